"""Queues through the SDKs: enqueue auto-creates, FIFO with parallelism, pause/resume, lag."""

from __future__ import annotations

import pytest
from qstash import AsyncQStash
from qstash.errors import QStashError

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api


async def test_enqueue_creates_the_queue_and_keeps_fifo_one_at_a_time(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/q", 500)  # the first message fails once: the second must wait for its retry
    for i in range(3):
        await client.message.enqueue(queue="jobs", url=sink.url("/q"), body=str(i), retries=1)
    queue = await client.queue.get("jobs")
    assert queue.parallelism == 1
    assert queue.lag == 3
    await emu.drain()
    assert [r.body for r in sink.received] == [b"0"]  # the failed first holds the queue
    await emu.run_until_idle()
    assert [r.body for r in sink.received] == [b"0", b"0", b"1", b"2"]
    assert (await client.queue.get("jobs")).lag == 0


async def test_parallelism_and_pause(emu: RunningEmulator, sink: Sink, client: AsyncQStash) -> None:
    await client.queue.upsert("wide", parallelism=2, paused=True)
    for i in range(3):
        await client.message.enqueue_json(queue="wide", url=sink.url("/w"), body={"i": i})
    await emu.run_until_idle()
    assert sink.received == []
    await client.queue.resume("wide")
    await emu.drain()
    assert len(sink.received) == 3
    [listed] = await client.queue.list()
    assert listed.name == "wide"
    assert not listed.paused
    await client.queue.delete("wide")
    with pytest.raises(QStashError, match="404"):
        await client.queue.get("wide")


async def test_enqueue_rejects_delay(emu: RunningEmulator) -> None:
    status, body = await api(
        emu, "POST", "/v2/enqueue/jobs/http://127.0.0.1:1/x", headers={"Upstash-Delay": "5s"}
    )
    assert status == 400
    assert "Upstash-Delay" in body["error"]
