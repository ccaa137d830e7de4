"""Flow control through the SDK: parallelism, rate per period, pause, pin, reset, wait list."""

from __future__ import annotations

import asyncio

from aiohttp import web
from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, serve


async def test_parallelism_one_runs_one_at_a_time(
    emu: RunningEmulator, client: AsyncQStash
) -> None:
    gate, arrived = asyncio.Event(), asyncio.Event()
    seen: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(await request.read())
        arrived.set()
        await gate.wait()
        return web.Response(text="ok")

    async with serve(handler) as base:
        for i in range(3):
            await client.message.publish(
                url=f"{base}/hook", body=str(i), flow_control={"key": "k", "parallelism": 1}
            )
        draining = asyncio.create_task(emu.drain())
        await asyncio.wait_for(arrived.wait(), 10)
        info = await client.flow_control.get("k")
        assert (info.parallelism_max, info.parallelism_count, info.wait_list_size) == (1, 1, 2)
        assert (await client.flow_control.get_global_parallelism()).parallelism_count == 1
        gate.set()
        await asyncio.wait_for(draining, 10)
    assert seen == [b"0", b"1", b"2"]


async def test_rate_per_period_holds_the_rest_for_the_next_window(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    for i in range(5):
        await client.message.publish(
            url=sink.url(), body=str(i), flow_control={"key": "r", "rate": 2, "period": "1m"}
        )
    await emu.drain()
    assert len(sink.received) == 2
    info = await client.flow_control.get("r")
    assert (info.rate_max, info.rate_count, info.rate_period, info.wait_list_size) == (2, 2, 60, 3)
    await emu.advance("1m")
    assert len(sink.received) == 4
    await client.flow_control.reset_rate("r")
    await emu.drain()
    assert len(sink.received) == 5


async def test_pause_resume_pin_unpin(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await client.message.publish(url=sink.url(), body="a", flow_control={"key": "p", "rate": 100})
    await emu.drain()
    await client.flow_control.pause("p")
    await client.message.publish(url=sink.url(), body="b", flow_control={"key": "p", "rate": 100})
    await emu.drain()
    assert [r.body for r in sink.received] == [b"a"]
    assert (await client.flow_control.get("p")).is_paused
    await client.flow_control.resume("p")
    await emu.drain()
    assert [r.body for r in sink.received] == [b"a", b"b"]
    await client.flow_control.pin("p", {"parallelism": 3, "rate": 7, "period": 10})
    pinned = await client.flow_control.get("p")
    assert (pinned.parallelism_max, pinned.rate_max, pinned.rate_period) == (3, 7, 10)
    assert pinned.is_pinned_parallelism
    assert pinned.is_pinned_rate
    await client.flow_control.unpin("p", {"parallelism": True, "rate": True})
    unpinned = await client.flow_control.get("p")
    assert not unpinned.is_pinned_parallelism
    assert unpinned.rate_max == 100
