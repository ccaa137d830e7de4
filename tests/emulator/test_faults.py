"""One fault mechanism, checked on both emulators: the routes, the rule model, the handles."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulator.errors import FieldError
from emulator.qstash.testing import running_emulator
from emulator.scrapecreators.testing import running_mock
from emulator.testing import FaultControls
from tests.emulator.qstash.conftest import serve

PROFILE = "/v1/tiktok/profile"
CHANNEL = "/v1/youtube/channel"


@dataclass
class Running:
    """One emulator as these tests see it: its handle, control prefix and a request to fault."""

    handle: FaultControls
    url: str
    prefix: str  # /_emulator or /_mock
    target: str  # the older name of `match`: url or path
    hit: Callable[[str], Awaitable[int]]  # one request to this path; the status it met

    async def call(self, method: str, route: str, **kwargs: Any) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, f"{self.url}{self.prefix}{route}", **kwargs) as response,
        ):
            return response.status, await response.json()


@asynccontextmanager
async def qstash() -> AsyncIterator[Running]:
    """The QStash emulator delivering to a destination that answers 200 on every path; a hit
    publishes one message without retries and delivers it."""

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async with running_emulator() as emu, serve(ok) as sink, aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {emu.token}", "Upstash-Retries": "0"}

        async def hit(path: str) -> int:
            async with http.post(f"{emu.url}/v2/publish/{sink}{path}", headers=auth) as response:
                message_id = (await response.json())["messageId"]
            await emu.drain()
            [attempt] = [d for d in emu.deliveries() if d["messageId"] == message_id]
            return int(attempt["status"])

        yield Running(emu, emu.url, "/_emulator", "url", hit)


@asynccontextmanager
async def mock() -> AsyncIterator[Running]:
    """The ScrapeCreators mock in synthetic mode (every known endpoint answers 200)."""
    async with running_mock(mode="synthetic") as running, aiohttp.ClientSession() as http:

        async def hit(path: str) -> int:
            params = {"handle": "nora"}
            headers = {"x-api-key": "dev-key"}
            async with http.get(running.url + path, params=params, headers=headers) as response:
                await response.read()
                return response.status

        yield Running(running, running.url, "/_mock", "path", hit)


EMULATORS = {"qstash": qstash, "mock": mock}


@pytest.fixture(params=sorted(EMULATORS))
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[Running]:
    async with EMULATORS[request.param]() as running:
        yield running


async def test_a_rule_meets_count_matching_requests_and_no_others(emulator: Running) -> None:
    # A glob over the whole target (QStash: the destination URL; the mock: the path) ...
    await emulator.handle.fault("*/v1/tiktok/*", "status", count=2, status=502)
    # ... or a substring of it.
    await emulator.handle.fault("channel", "status", status=503)
    profile = [await emulator.hit(PROFILE) for _ in range(3)]
    channel = [await emulator.hit(CHANNEL) for _ in range(2)]
    assert (profile, channel) == ([502, 502, 200], [503, 200])


async def test_the_fault_routes_have_one_shape(emulator: Running) -> None:
    body = {"match": "profile", "kind": "status", "status": 502, "count": 3, "retry_after": 2}
    status, created = await emulator.call("POST", "/faults", json=body)
    rule = {
        "match": "profile",
        emulator.target: "profile",
        "kind": "status",
        "count": 3,
        "remaining": 3,
        "status": 502,
        "delay": 0.0,
        "retry_after": 2,
    }
    assert (status, created) == (201, {**rule, "fault": rule})

    assert await emulator.hit(PROFILE) == 502
    status, listed = await emulator.call("GET", "/faults")
    assert status == 200
    assert listed["faults"] == [{**rule, "count": 2, "remaining": 2}]
    assert {"status", "delay", "timeout"} <= set(listed["kinds"])

    assert await emulator.call("DELETE", "/faults") == (200, {"cleared": True, "faults": []})
    assert (await emulator.call("GET", "/faults"))[1]["faults"] == []
    assert await emulator.hit(PROFILE) == 200


async def test_the_older_name_of_match_still_works(emulator: Running) -> None:
    body = {emulator.target: "profile", "kind": "status", "status": 502}
    status, created = await emulator.call("POST", "/faults", json=body)
    assert (status, created["match"], created[emulator.target]) == (201, "profile", "profile")
    assert await emulator.hit(PROFILE) == 502


async def test_reset_clears_the_rules(emulator: Running) -> None:
    await emulator.handle.fault("profile", "status", status=502)
    assert (await emulator.call("POST", "/reset"))[0] == 200
    assert await emulator.handle.faults() == []
    assert await emulator.hit(PROFILE) == 200


async def test_the_handles_share_their_fault_methods(emulator: Running) -> None:
    handle = emulator.handle
    rule = await handle.fault("profile", "status", status=502)
    assert await handle.faults() == [rule]
    assert await emulator.hit(PROFILE) == 502
    assert await handle.faults() == []
    await handle.fault("profile", "status", status=502)
    await handle.clear_faults()
    assert await handle.faults() == []
    assert await emulator.hit(PROFILE) == 200
    with pytest.raises(FieldError) as caught:
        await handle.fault("profile", "status", status=600)
    assert caught.value.field == "status"
    assert str(caught.value).startswith("status: must be from ")


@pytest.mark.parametrize(
    ("delay", "seconds"),
    [(1.5, 1.5), (0, 0.0), ("2", 2.0), ("250ms", 0.25), ("1h30m", 5400.0), ("1d", 86400.0)],
)
async def test_delays_take_seconds_or_durations(
    emulator: Running, delay: float | str, seconds: float
) -> None:
    status, created = await emulator.call(
        "POST", "/faults", json={"match": "x", "kind": "delay", "delay": delay}
    )
    assert (status, created["delay"]) == (201, seconds)


BAD_RULES: list[tuple[Any, str]] = [
    ({"kind": "status", "status": 502}, "match"),
    ({"match": "", "kind": "status", "status": 502}, "match"),
    ({"match": 7, "kind": "status", "status": 502}, "match"),
    ({"match": "a", "url": "b", "path": "b", "kind": "status", "status": 502}, "match"),
    ({"match": "a", "kind": "explode"}, "kind"),
    ({"match": "a"}, "kind"),
    ({"match": "a", "kind": "timeout", "count": 0}, "count"),
    ({"match": "a", "kind": "timeout", "count": "2"}, "count"),
    ({"match": "a", "kind": "timeout", "count": True}, "count"),
    ({"match": "a", "kind": "status"}, "status"),
    ({"match": "a", "kind": "status", "status": "502"}, "status"),
    ({"match": "a", "kind": "status", "status": 99}, "status"),
    ({"match": "a", "kind": "status", "status": 600}, "status"),
    ({"match": "a", "kind": "delay"}, "delay"),
    ({"match": "a", "kind": "delay", "delay": "soon"}, "delay"),
    ({"match": "a", "kind": "delay", "delay": "5x"}, "delay"),
    ({"match": "a", "kind": "delay", "delay": -1}, "delay"),
    ({"match": "a", "kind": "delay", "delay": "-2s"}, "delay"),
    ({"match": "a", "kind": "delay", "delay": True}, "delay"),
    ({"match": "a", "kind": "delay", "delay": [1]}, "delay"),
    ({"match": "a", "kind": "status", "status": 502, "retry_after": -3}, "retry_after"),
    ({"match": "a", "kind": "status", "status": 502, "retry_after": 1.5}, "retry_after"),
    ([1, 2], "body"),
]


@pytest.mark.parametrize(("body", "field"), BAD_RULES)
async def test_a_bad_rule_is_refused_naming_the_field(
    emulator: Running, body: Any, field: str
) -> None:
    status, answer = await emulator.call("POST", "/faults", json=body)
    assert status == 400
    assert answer["field"] == field
    assert answer["error"].startswith(f"{field}: ")
    assert (await emulator.call("GET", "/faults"))[1]["faults"] == []


@pytest.mark.parametrize("raw", [b"{nope", b"", b"\xff"])
async def test_a_body_that_is_not_json_is_refused(emulator: Running, raw: bytes) -> None:
    status, answer = await emulator.call("POST", "/faults", data=raw)
    assert (status, answer["field"]) == (400, "body")


async def test_an_infinite_delay_is_refused(emulator: Running) -> None:
    # Python's json reads `Infinity`; a rule must not hold a request for ever.
    raw = json.dumps({"match": "a", "kind": "delay", "delay": float("inf")})
    status, answer = await emulator.call("POST", "/faults", data=raw)
    assert (status, answer) == (400, {"error": "delay: must be finite", "field": "delay"})
