"""The /_emulator control API: clock, drain, reset, transcript and fault injection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from qstash import AsyncQStash, Receiver
from qstash.errors import SignatureError

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, verify


@pytest.fixture
async def http(emu: RunningEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emu.url) as session:
        yield session


async def _call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Any:
    async with http.request(method, path, **kw) as resp:
        assert resp.status < 300, await resp.text()
        return await resp.json()


async def test_clock_advance_over_http_delivers_due_messages(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, http: aiohttp.ClientSession
) -> None:
    before = await _call(http, "GET", "/_emulator/clock")
    assert before["mode"] == "manual"
    await client.message.publish(url=sink.url(), body="x", delay="30s")
    after = await _call(http, "POST", "/_emulator/clock", json={"advance": "30s"})
    assert after["now"] - before["now"] == 30_000
    assert len(sink.received) == 1
    [record] = (await _call(http, "GET", "/_emulator/deliveries"))["deliveries"]
    assert record["url"] == sink.url()
    assert record["status"] == 200
    assert record["attempt"] == 1
    assert record["headers"]["Upstash-Signature"]


async def test_bad_control_input_names_the_field(http: aiohttp.ClientSession) -> None:
    async with http.post("/_emulator/clock", json={"advance": "5x"}) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == 'advance: time: unknown unit "x" in duration "5x"'
    async with http.post("/_emulator/run-until-idle", json={"limit": -1}) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == "limit: must not be negative"


async def test_reset_forgets_everything(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, http: aiohttp.ClientSession
) -> None:
    await client.message.publish(url=sink.url(), body="x", delay="1h")
    await client.signing_key.rotate()
    await _call(http, "POST", "/_emulator/reset")
    assert emu.state.messages == {}
    await emu.run_until_idle()
    assert sink.received == []
    assert emu.current_signing_key == "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"


async def test_status_fault_fails_the_attempt_without_calling(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, http: aiohttp.ClientSession
) -> None:
    await _call(
        http,
        "POST",
        "/_emulator/faults",
        json={"url": "/hook", "kind": "status", "status": 503, "count": 1},
    )
    await client.message.publish(url=sink.url(), body="x", retries=1, retry_delay="500")
    await emu.run_until_idle()
    assert len(sink.received) == 1  # only the retry reached the destination
    assert [d["status"] for d in emu.deliveries()] == [503, 200]
    assert (await _call(http, "GET", "/_emulator/faults"))["faults"] == []


async def test_status_fault_with_retry_after_sets_the_next_attempt(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await emu.fault("/hook", "status", status=429, retry_after=60)
    await client.message.publish(url=sink.url(), body="x", retries=1)
    await emu.advance("59s")
    assert sink.received == []
    await emu.advance("1s")
    assert len(sink.received) == 1
    assert [d["status"] for d in emu.deliveries()] == [429, 200]
    assert emu.deliveries()[0]["responseHeaders"] == {"Retry-After": ["60"]}


async def test_timeout_fault_delivers_but_counts_as_failed(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await emu.fault(sink.url(), "timeout")
    await client.message.publish(url=sink.url(), body="x", retries=1, retry_delay="0")
    await emu.run_until_idle()
    assert [r.headers["Upstash-Retried"] for r in sink.received] == ["0", "1"]


async def test_duplicate_fault_delivers_twice(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await emu.fault("*/hook*", "duplicate")
    await client.message.publish(url=sink.url(), body="x")
    await emu.drain()
    assert len(sink.received) == 2
    assert len({r.headers["Upstash-Message-Id"] for r in sink.received}) == 1


async def test_delay_fault_postpones_in_virtual_time(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await emu.fault("/hook", "delay", delay="5s")
    await client.message.publish(url=sink.url(), body="x")
    await emu.drain()
    assert sink.received == []
    await emu.advance("5s")
    [got] = sink.received
    assert got.headers["Upstash-Retried"] == "0"  # a postponement is not a retry


async def test_corrupt_signature_fault_is_rejected_by_the_receiver(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await emu.fault("/hook", "corrupt_signature")
    await client.message.publish(url=sink.url(), body="x")
    await client.message.publish(url=sink.url(), body="x")
    await emu.drain()
    bad, good = sink.received
    receiver = Receiver(emu.current_signing_key, emu.next_signing_key)
    with pytest.raises(SignatureError):
        receiver.verify(signature=bad.headers["Upstash-Signature"], body="x", url=bad.url)
    verify(emu, good)


async def test_errors_are_json(emu: RunningEmulator, http: aiohttp.ClientSession) -> None:
    async with http.get("/v2/keys") as resp:
        assert resp.status == 401
        assert "error" in await resp.json()
    async with http.get("/v2/keys", params={"qstash_token": emu.token}) as resp:
        assert resp.status == 200
    async with http.get("/nope") as resp:
        assert resp.status == 404
        assert "error" in await resp.json()
    headers = {"Authorization": f"Bearer {emu.token}", "Upstash-Retries": "many"}
    async with http.post("/v2/publish/http://127.0.0.1:1/x", headers=headers) as resp:
        assert resp.status == 400
        assert "Upstash-Retries" in (await resp.json())["error"]


async def test_system_mode_delivers_on_its_own_in_order_of_due_time(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, http: aiohttp.ClientSession
) -> None:
    await client.message.publish(url=sink.url("/later"), body="later", delay="50ms")
    await client.message.publish(url=sink.url("/now"), body="now")
    clock = await _call(http, "POST", "/_emulator/clock", json={"mode": "system"})
    assert clock["mode"] == "system"
    await asyncio.wait_for(sink.wait_for(2), 10)
    assert [r.body for r in sink.received] == [b"now", b"later"]
