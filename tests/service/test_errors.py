"""The error middleware: every failure is JSON, and the unexpected is logged once."""

from __future__ import annotations

import json
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import BaseModel
from pytest_aiohttp import AiohttpClient

from service.api.errors import UnsupportedMediaType, error_middleware, error_response
from service.errors import (
    Conflict,
    InputTooLarge,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    ServiceError,
    Unavailable,
    Undeliverable,
    UpstreamFailed,
)


class Body(BaseModel):
    count: int


async def boom(_: web.Request) -> web.Response:
    raise RuntimeError("secret internals")


async def conflict(_: web.Request) -> web.Response:
    raise Conflict("already running")


async def hopeless(_: web.Request) -> web.Response:
    raise Undeliverable("job not found")


async def invalid(_: web.Request) -> web.Response:
    Body.model_validate({"count": "many"})
    return web.Response()


@pytest.fixture
async def client(aiohttp_client: AiohttpClient) -> TestClient[web.Request, web.Application]:
    app = web.Application(middlewares=[error_middleware])
    app.router.add_get("/boom", boom)
    app.router.add_get("/conflict", conflict)
    app.router.add_get("/invalid", invalid)
    app.router.add_post("/hopeless", hopeless)
    return await aiohttp_client(app)


async def test_domain_errors_keep_their_status(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/conflict")
    assert (response.status, await response.json()) == (409, {"error": "already running"})


async def test_a_non_retryable_error_has_qstash_shape(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.post("/hopeless")
    assert (response.status, await response.json()) == (489, {"error": "job not found"})
    assert response.headers["Upstash-NonRetryable-Error"] == "true"


async def test_validation_errors_name_the_field(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/invalid")
    body = await response.json()
    assert response.status == 400
    assert body["error"].startswith("count: Input should be a valid integer")


async def test_unknown_routes_and_methods_are_json(
    client: TestClient[web.Request, web.Application],
) -> None:
    missing = await client.get("/nowhere")
    wrong_method = await client.post("/conflict")
    assert (missing.status, await missing.json()) == (404, {"error": "not found"})
    assert (wrong_method.status, await wrong_method.json()) == (
        405,
        {"error": "method not allowed"},
    )
    assert wrong_method.headers["Allow"] == "GET,HEAD"


async def test_the_unexpected_is_a_500_logged_once(
    client: TestClient[web.Request, web.Application], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="service.api.errors"):
        response = await client.get("/boom")
        body = await response.json()

    assert (response.status, body) == (500, {"error": "internal server error"})
    records = [r for r in caplog.records if r.name == "service.api.errors"]
    assert [r.getMessage() for r in records] == ["unhandled_error"]
    assert records[0].exc_info is not None


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("keywords: must not be blank"), 400),
        (NotAuthenticated("token expired"), 401),
        (NotPermitted("admins only"), 403),
        (NotFound("job not found"), 404),
        (Conflict("job already completed"), 409),
        (InputTooLarge("body: too large"), 413),
        (UnsupportedMediaType("Content-Type: must be application/json"), 415),
        (Undeliverable("job not found"), 489),
        (UpstreamFailed("could not queue the job"), 502),
        (Unavailable("step 2 is saved"), 503),
        (ServiceError("no kind of its own"), 500),
    ],
)
def test_each_domain_error_has_one_status(error: ServiceError, status: int) -> None:
    response = error_response(error)
    assert (response.status, response.text) == (status, json.dumps({"error": error.message}))


def test_a_domain_error_that_passes_says_when_to_come_back() -> None:
    assert error_response(Conflict("step in use", retry_after=9)).headers["Retry-After"] == "9"
    assert "Retry-After" not in error_response(Conflict("job already completed")).headers
