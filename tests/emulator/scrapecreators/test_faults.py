"""Injected faults: each kind answers as documented, for exactly `count` matching requests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from emulator.scrapecreators.bodies import OUT_OF_CREDITS
from emulator.scrapecreators.testing import running_mock

PROFILE = "/v1/tiktok/profile"


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, str, dict[str, str], bytes]:
    async with http.get(url, params={"handle": "nora"}) as response:
        return response.status, response.content_type, dict(response.headers), await response.read()


@pytest.mark.parametrize(
    ("kind", "params", "status", "ctype"),
    [
        ("rate_limit", {}, 429, "application/json"),
        ("server_error", {}, 500, "application/json"),
        ("unavailable", {}, 503, "text/plain"),
        ("out_of_credits", {}, 402, "application/json"),
        ("not_found_html", {}, 404, "text/html"),
        ("malformed_json", {}, 200, "application/json"),
        ("timeout", {"delay": 0}, 504, "application/json"),
    ],
)
async def test_error_kinds(
    http: aiohttp.ClientSession, kind: str, params: dict[str, Any], status: int, ctype: str
) -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault(PROFILE, kind, **params)
        faulted = await get(http, mock.url + PROFILE)
        normal = await get(http, mock.url + PROFILE)
        sources = [r["source"] for r in await mock.requests()]
    assert faulted[:2] == (status, ctype)
    assert normal[0] == 200
    json.loads(normal[3])
    assert sources == [f"fault:{kind}", "synthetic"]


async def test_bodies_of_the_faults(http: aiohttp.ClientSession) -> None:
    async with running_mock(mode="synthetic") as mock:
        for kind in ("out_of_credits", "unavailable", "not_found_html", "malformed_json"):
            await mock.fault(PROFILE, kind)
        credits, unavailable, html, malformed = [
            await get(http, mock.url + PROFILE) for _ in "1234"
        ]
    assert json.loads(credits[3]) == OUT_OF_CREDITS
    assert unavailable[3].startswith(b"upstream connect error or disconnect/reset before headers")
    assert b"<pre>Cannot GET /v1/tiktok/profile</pre>" in html[3]
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed[3])


async def test_rate_limit_with_and_without_retry_after(http: aiohttp.ClientSession) -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault(PROFILE, "rate_limit", retry_after=7)
        await mock.fault(PROFILE, "rate_limit")
        with_header, without = (
            await get(http, mock.url + PROFILE),
            await get(http, mock.url + PROFILE),
        )
    assert (with_header[0], with_header[2].get("Retry-After")) == (429, "7")
    assert (without[0], without[2].get("Retry-After")) == (429, None)


async def test_count_and_path_matching(http: aiohttp.ClientSession) -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault("/v1/tiktok/*", "server_error", count=2)
        await mock.fault("channel", "unavailable")
        statuses = [(await get(http, mock.url + PROFILE))[0] for _ in range(3)]
        youtube = [(await get(http, mock.url + "/v1/youtube/channel"))[0] for _ in range(2)]
    assert statuses == [500, 500, 200]
    assert youtube == [503, 200]


@pytest.mark.parametrize(
    ("status", "kind", "ctype"),
    [
        (503, "unavailable", "text/plain"),
        (429, "rate_limit", "application/json"),
        (401, "status", "application/json"),
        (502, "status", "application/json"),
    ],
)
async def test_status_kind_uses_the_canned_answer_when_there_is_one(
    http: aiohttp.ClientSession, status: int, kind: str, ctype: str
) -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault(PROFILE, "status", status=status)
        answer = await get(http, mock.url + PROFILE)
        [logged] = await mock.requests()
    assert answer[:2] == (status, ctype)
    assert logged["source"] == f"fault:{kind}"


async def test_latency_delays_then_answers_normally(http: aiohttp.ClientSession) -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault(PROFILE, "delay", delay="10ms")
        delayed = await get(http, mock.url + PROFILE)
        normal = await get(http, mock.url + PROFILE)
    assert delayed[0] == 200
    assert delayed[3] == normal[3]


async def test_long_latency_outlasts_a_client_timeout(http: aiohttp.ClientSession) -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault(PROFILE, "latency", delay="60s")
        with pytest.raises(asyncio.TimeoutError):
            await get_with_timeout(http, mock.url + PROFILE, 0.05)
    # Leaving the block released the held request instead of waiting a minute.


async def get_with_timeout(http: aiohttp.ClientSession, url: str, seconds: float) -> int:
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=seconds)) as response:
        return response.status


async def test_timeout_consumes_no_recording(http: aiohttp.ClientSession) -> None:
    async with running_mock(["failure_timeout"]) as mock:
        await mock.fault("/v1/instagram/profile", "timeout", delay="60s")
        url = mock.url + "/v1/instagram/profile?handle=quiet_kiln_studio"
        with pytest.raises(asyncio.TimeoutError):
            await get_with_timeout(http, url, 0.05)
        assert await get_with_timeout(http, url, 5) == 200
        log = await mock.requests()
    # The abandoned request is still held, and the log says so.
    assert [(r["status"], r["source"]) for r in log] == [
        (None, "pending"),
        (200, "cassette:failure_timeout#0"),
    ]
    # The harness found nothing unplayed: the timed-out request took no recording.


async def test_fault_precedes_replay_and_keeps_the_recording(http: aiohttp.ClientSession) -> None:
    async with running_mock(["instagram_similar_empty"]) as mock:
        await mock.fault("/v1/instagram/profile", "unavailable")
        url = mock.url + "/v1/instagram/profile?handle=lonely.loom"
        assert await get_with_timeout(http, url, 5) == 503
        assert await get_with_timeout(http, url, 5) == 200


async def test_status_kind_with_retry_after(http: aiohttp.ClientSession) -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault(PROFILE, "status", status=502, retry_after=9)
        answer = await get(http, mock.url + PROFILE)
    assert (answer[0], answer[2].get("Retry-After")) == (502, "9")


async def test_kinds_are_listed_under_their_canonical_names() -> None:
    async with running_mock(mode="synthetic") as mock:
        await mock.fault(PROFILE, "status", status=503)
        await mock.fault(PROFILE, "delay", delay="10ms")
        await mock.fault(PROFILE, "timeout")
        listed = [(r["kind"], r["status"], r["delay"]) for r in await mock.faults()]
    assert listed == [("unavailable", 503, 0.0), ("latency", None, 0.01), ("timeout", None, 300.0)]


# The rules both emulators share are checked in tests/emulator/test_faults.py; these are the
# mock's own: its lowest status, the kinds that need a delay, and the older field name.
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"path": "", "kind": "server_error"}, "path"),
        ({"path": "/v1", "kind": "latency"}, "delay"),
        ({"path": "/v1", "kind": "status", "status": 200}, "status"),
        ({"path": "/v1", "kind": "status", "status": 399}, "status"),
    ],
)
async def test_bad_fault_input_names_the_field(
    http: aiohttp.ClientSession, body: Any, field: str
) -> None:
    async with (
        running_mock(mode="synthetic") as mock,
        http.post(mock.url + "/_mock/faults", json=body) as response,
    ):
        assert response.status == 400
        answer = await response.json()
    assert answer["field"] == field
    assert answer["error"].startswith(f"{field}: ")
