"""GET /v2/events through the SDK: states, filters (IN_PROGRESS included), cursor, newest first."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from contextlib import closing
from pathlib import Path

from qstash import AsyncQStash, QStash
from qstash.log import LogState

from emulator.qstash.eventlog import DEFAULT_KEEP
from emulator.qstash.testing import RunningEmulator, running_emulator
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


async def _flood(emu: RunningEmulator, url: str, count: int) -> None:
    """`count` CREATED events, through /v2/batch (the quickest way to roll the window)."""
    for start in range(0, count, 1000):
        items = [
            {"destination": url, "body": "filler", "headers": {"Upstash-Delay": "2h"}}
            for _ in range(min(1000, count - start))
        ]
        status, _ = await api(emu, "POST", "/v2/batch", json=items)
        assert status == 200


def _share_ids(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM event_shares")}


async def test_a_long_pending_messages_final_events_keep_their_details(
    tmp_path: Path, sink: Sink
) -> None:
    db = tmp_path / "state.sqlite3"
    async with running_emulator(str(db)) as emu:
        _, published = await api(
            emu,
            "POST",
            f"/v2/publish/{sink.url('/late')}",
            data=b"late body",
            headers={"Upstash-Delay": "1h"},
        )
        late = published["messageId"]
        await _flood(emu, sink.url("/filler"), DEFAULT_KEEP + 1000)  # CREATED leaves the window
        await emu.advance("1h")  # delivered: ACTIVE and DELIVERED are new
        await _flood(emu, sink.url("/filler"), 1000)  # a prune runs
    async with running_emulator(str(db)) as emu:
        _, page = await api(emu, "GET", "/v2/events", params={"messageId": late})
        delivered = [e for e in page["events"] if e["state"] == "DELIVERED"]
        assert len(delivered) == 1
        assert delivered[0]["url"] == sink.url("/late")
        assert base64.b64decode(delivered[0]["body"]) == b"late body"
        await _flood(emu, sink.url("/filler"), DEFAULT_KEEP)  # now its last event leaves too
    assert late not in _share_ids(db)
