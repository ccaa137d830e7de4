"""The aiohttp wire answers the calls it takes exactly as httpx would (responses and errors)."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from service.wire import AiohttpWire


async def _echo(request: web.Request) -> web.Response:
    body = {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "key": request.headers.get("x-api-key"),
        "body": (await request.read()).decode(),
    }
    return web.json_response(body, status=int(request.query.get("status", "200")))


async def _gzipped(_: web.Request) -> web.Response:
    return web.Response(
        body=gzip.compress(b'{"zipped": true}'),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )


async def _moved(_: web.Request) -> web.Response:
    raise web.HTTPFound("/echo")


async def _slow(_: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response(text="late")


@pytest.fixture
async def server(aiohttp_server: AiohttpServer) -> TestServer:
    app = web.Application()
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/gzip", _gzipped)
    app.router.add_get("/moved", _moved)
    app.router.add_get("/slow", _slow)
    return await aiohttp_server(app)


@pytest.fixture
async def wire() -> AsyncIterator[AiohttpWire]:
    wire = AiohttpWire()
    try:
        yield wire
    finally:
        await wire.aclose()


async def test_a_get_sends_params_and_headers_and_answers_an_httpx_response(
    server: TestServer, wire: AiohttpWire
) -> None:
    url = str(server.make_url("/echo"))

    response = await wire.get(
        url, params={"query": "home baking", "cursor": "0"}, headers={"x-api-key": "k"}
    )

    assert isinstance(response, httpx.Response)
    assert (response.status_code, response.is_success) == (200, True)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "method": "GET",
        "path": "/echo",
        "query": {"query": "home baking", "cursor": "0"},
        "key": "k",
        "body": "",
    }
    assert response.url == httpx.URL(url, params={"query": "home baking", "cursor": "0"})


async def test_a_post_carries_its_body_and_an_error_status_is_an_answer(
    server: TestServer, wire: AiohttpWire
) -> None:
    response = await wire.request(
        "POST", str(server.make_url("/echo")), params={"status": "429"}, content='{"a": 1}'
    )

    assert (response.status_code, response.is_success) == (429, False)
    assert json.loads(response.text)["body"] == '{"a": 1}'


async def test_bodies_are_decoded_and_redirects_not_followed_as_httpx_does(
    server: TestServer, wire: AiohttpWire
) -> None:
    zipped = await wire.get(str(server.make_url("/gzip")))
    moved = await wire.get(str(server.make_url("/moved")))

    assert zipped.json() == {"zipped": True}
    assert (moved.status_code, moved.headers["location"]) == (302, "/echo")


async def test_a_refused_connection_is_httpx_connect_error(
    wire: AiohttpWire, refused_url: str
) -> None:
    with pytest.raises(httpx.ConnectError):
        await wire.get(refused_url)


async def test_a_server_that_does_not_answer_in_time_is_httpx_read_timeout(
    server: TestServer, wire: AiohttpWire
) -> None:
    with pytest.raises(httpx.ReadTimeout) as raised:
        await wire.get(str(server.make_url("/slow")), timeout=0.2)

    assert raised.value.request.url.path == "/slow"
