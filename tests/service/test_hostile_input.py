"""Hostile input on the client API: a 4xx naming the field, never a 500 or a half-written row,
the same on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from yarl import URL

from service.api.json_input import MAX_BODY_BYTES, MAX_DEPTH
from service.clock import ManualClock
from service.keys import PARTS
from service.store import Store
from tests.service.conftest import ServiceStack, service_stack

NESTED = f"body: nested deeper than {MAX_DEPTH} levels"


@pytest.fixture
async def both(store: Store, clock: ManualClock) -> AsyncIterator[ServiceStack]:
    """The stack on each engine (the `store` fixture runs SQLite and PostgreSQL)."""
    async with service_stack(store, clock) as running:
        yield running


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


async def post(
    stack: ServiceStack,
    path: str,
    body: str | bytes,
    *,
    user: str = "user-1",
    method: str = "POST",
    **headers: str,
) -> tuple[int, dict[str, Any]]:
    response = await stack.client.request(
        method,
        path,
        data=body,
        headers={"Content-Type": "application/json", **stack.auth(user), **headers},
    )
    return response.status, await response.json()


async def valid_bodies(stack: ServiceStack) -> dict[str, dict[str, Any]]:
    campaign = await stack.campaign()
    return {
        "/api/campaigns": {"name": "Spring", "description": "launch"},
        "/api/scraping/tiktok": {"keywords": ["yoga"], "campaignId": campaign},
        "/api/scraping/instagram": {"username": "claybyjune", "campaignId": campaign},
    }


async def row_counts(stack: ServiceStack) -> tuple[int, int]:
    campaigns = await stack.store.list_campaigns("user-1")
    jobs = [job for c in campaigns for job in await stack.store.list_campaign_jobs("user-1", c.id)]
    return len(campaigns), len(jobs)


# --- item 7: bodies nested deep, or otherwise unparseable -------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda valid: deep(1000), id="array-1000"),
        pytest.param(lambda valid: '{"a":' * 1000 + "1" + "}" * 1000, id="object-1000"),
        pytest.param(lambda valid: deep(100_000), id="array-100000"),
        pytest.param(lambda valid: json.dumps(valid)[:-1] + f', "x": {deep(1000)}}}', id="field"),
        pytest.param(lambda valid: json.dumps(valid)[:-1] + f', "x": {deep(40)}}}', id="field-40"),
    ],
)
async def test_a_deeply_nested_body_is_400_naming_the_body(both: ServiceStack, shape: Any) -> None:
    bodies = await valid_bodies(both)
    before = await row_counts(both)

    for path, valid in bodies.items():
        assert await post(both, path, shape(valid)) == (400, {"error": NESTED}), path

    assert await row_counts(both) == before


async def test_nesting_up_to_the_limit_reaches_the_field_checks(both: ServiceStack) -> None:
    nested = "[" * (MAX_DEPTH - 1) + '"yoga"' + "]" * (MAX_DEPTH - 1)  # body + list levels
    campaign = await both.campaign()

    status, answer = await post(
        both, "/api/scraping/tiktok", f'{{"keywords": {nested}, "campaignId": "{campaign}"}}'
    )

    assert (status, answer) == (400, {"error": "keywords.0: must be a string"})


async def test_the_admin_config_refuses_deep_bodies_too(both: ServiceStack) -> None:
    status, answer = await post(both, "/api/admin/config", deep(1000), user="admin", method="PUT")
    assert (status, answer) == (400, {"error": NESTED})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"{} trailing",
        b'{"name": "\xff\xfe"}',  # not UTF-8
        b'{"name": "\\ud800"}',  # a lone surrogate
        b'{"name": NaN}',
        b"\xef\xbb\xbf{}",  # a byte-order mark
        b"name=x&description=y",
    ],
)
async def test_a_body_that_cannot_be_parsed_is_400_naming_the_body(
    both: ServiceStack, body: bytes
) -> None:
    status, answer = await post(both, "/api/campaigns", body)

    assert status == 400
    assert answer["error"].startswith("body: must be valid JSON (")


async def test_a_body_beyond_the_limit_is_413_naming_the_body(both: ServiceStack) -> None:
    body = json.dumps({"name": "x" * MAX_BODY_BYTES}).encode()

    headers = {**both.auth(), "Content-Type": "application/json"}
    response = await both.client.post("/api/campaigns", data=io.BytesIO(body), headers=headers)

    assert response.status == 413
    assert await response.json() == {"error": f"body: must be at most {MAX_BODY_BYTES} bytes"}


# --- item 8: control characters in text fields -----------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85"])
@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        ("/api/campaigns", "name", lambda c, v: {"name": v}),
        ("/api/campaigns", "description", lambda c, v: {"name": "n", "description": v}),
        (
            "/api/scraping/tiktok",
            "keywords.1",
            lambda c, v: {"keywords": ["a", v], "campaignId": c},
        ),
        ("/api/scraping/youtube", "keywords.0", lambda c, v: {"keywords": [v], "campaignId": c}),
        ("/api/scraping/instagram", "username", lambda c, v: {"username": v, "campaignId": c}),
    ],
)
async def test_control_characters_are_400_naming_the_field_on_every_engine(
    both: ServiceStack, char: str, path: str, field: str, body: Any
) -> None:
    campaign = await both.campaign()
    before = await row_counts(both)

    status, answer = await post(both, path, json.dumps(body(campaign, f"ab{char}cd")))

    assert (status, answer) == (
        400,
        {"error": f"{field}: must not contain control characters (found U+{ord(char):04X})"},
    )
    assert await row_counts(both) == before
    assert both.emulator.deliveries() == []  # nothing went on to QStash (or ScrapeCreators)


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
async def test_line_breaks_and_tabs_are_kept_in_a_description_only(
    both: ServiceStack, char: str
) -> None:
    description = f"first line{char}second line"

    created = await post(
        both, "/api/campaigns", json.dumps({"name": "n", "description": description})
    )
    named = await post(both, "/api/campaigns", json.dumps({"name": f"a{char}b"}))

    assert (created[0], created[1]["description"]) == (201, description)
    assert named == (
        400,
        {"error": f"name: must not contain control characters (found U+{ord(char):04X})"},
    )


async def test_other_unicode_is_ordinary_text(both: ServiceStack) -> None:
    name = "Crème brûlée ☃ 𝄞 👩\u200d🍳 \u202eRTL"

    status, answer = await post(both, "/api/campaigns", json.dumps({"name": name}))

    assert (status, answer["name"]) == (201, name)


# --- headers: undecodable bytes ------------------------------------------------------------------


async def raw_post(stack: ServiceStack, path: str, headers: bytes, body: bytes) -> tuple[int, Any]:
    """A request written byte by byte: HTTP clients refuse to send undecodable header bytes."""
    port = URL(stack.url).port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\n"
        + headers
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    reply = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, payload = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(payload)


async def test_an_idempotency_key_that_is_not_utf8_is_400(both: ServiceStack) -> None:
    bodies = await valid_bodies(both)
    body = json.dumps(bodies["/api/scraping/instagram"]).encode()
    before = await row_counts(both)

    status, answer = await raw_post(
        both,
        "/api/scraping/instagram",
        b"Authorization: Bearer dev:user-1\r\nIdempotency-Key: k\xff\xfe\r\n",
        body,
    )

    assert (status, answer) == (
        400,
        {"error": "Idempotency-Key: must be valid UTF-8 text (found the lone surrogate U+DCFF)"},
    )
    assert await row_counts(both) == before


async def test_an_authorization_that_is_not_utf8_is_401(both: ServiceStack) -> None:
    status, answer = await raw_post(
        both, "/api/campaigns", b"Authorization: Bearer dev:us\xffer\r\n", b'{"name": "n"}'
    )

    assert (status, answer) == (
        401,
        {"error": "Authorization: must be valid UTF-8 text (found the lone surrogate U+DCFF)"},
    )


# --- numbers --------------------------------------------------------------------------------------


async def test_a_target_beyond_what_a_job_can_hold_is_400_at_the_highest_config(
    both: ServiceStack,
) -> None:
    await both.app[PARTS].config.update({"limits.target_results_max": 100_000})
    campaign = await both.campaign()

    status, answer = await post(
        both,
        "/api/scraping/tiktok",
        json.dumps({"keywords": ["yoga"], "campaignId": campaign, "targetResults": 2**31}),
    )

    assert (status, answer) == (400, {"error": "targetResults: must be between 1 and 100000"})


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("1e309", "targetResults: Input should be a valid integer"),
        ("1.5", "targetResults: Input should be a valid integer"),
        ("true", "targetResults: Input should be a valid integer"),
        (str(2**63), "targetResults: must be between 1 and 1000"),
        ("-0", "targetResults: must be between 1 and 1000"),
    ],
)
async def test_odd_numbers_are_400_naming_the_field(
    both: ServiceStack, value: str, error: str
) -> None:
    campaign = await both.campaign()
    body = f'{{"keywords": ["yoga"], "campaignId": "{campaign}", "targetResults": {value}}}'

    assert await post(both, "/api/scraping/tiktok", body) == (400, {"error": error})
