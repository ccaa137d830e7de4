"""GET /v2/events through the SDK: states, filters (IN_PROGRESS included), cursor, newest first."""

from __future__ import annotations

import asyncio
import base64

from qstash import AsyncQStash, QStash
from qstash.log import LogState

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api


async def test_lifecycle_states_newest_first(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 500)
    res = await client.message.publish(url=sink.url(), body="b", retries=1, retry_delay="1000")
    await emu.run_until_idle()
    message_id: str = res.message_id  # type: ignore[union-attr]
    page = await client.log.list(filter={"message_id": message_id})
    states = [e.state for e in page.logs]
    assert states == [
        LogState.DELIVERED,
        LogState.ACTIVE,
        LogState.RETRY,
        LogState.ERROR,
        LogState.ACTIVE,
        LogState.CREATED,
    ]
    retry = page.logs[2]
    assert retry.next_delivery_time == page.logs[1].time
    error = page.logs[3]
    assert error.response_status == 500
    assert error.retry_delay_expression == "1000"
    assert base64.b64decode(error.body_base64 or "") == b"b"


async def test_in_progress_filter_cursor_and_logs_alias(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, sync_client: QStash
) -> None:
    for i in range(3):
        await client.message.publish(url=sink.url(), body=str(i))
    await emu.drain()
    page = await asyncio.to_thread(sync_client.log.list, count=4)
    assert len(page.logs) == 4
    assert page.cursor is not None
    rest = await client.log.list(cursor=page.cursor)
    assert len(page.logs) + len(rest.logs) == 9  # CREATED, ACTIVE, DELIVERED x 3
    assert rest.cursor is None
    times = [e.time for e in page.logs + rest.logs]
    assert times == sorted(times, reverse=True)
    progress = await client.log.list(filter={"state": LogState.IN_PROGRESS})
    assert {e.state for e in progress.logs} == {LogState.ACTIVE}
    _, body = await api(emu, "GET", "/v2/logs", params={"state": "DELIVERED"})
    assert len(body["logs"]) == len(body["events"]) == 3
