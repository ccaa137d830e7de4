"""The dead-letter queue API: list with filters and cursor, get, delete one or many, retry."""

from __future__ import annotations

import asyncio

import pytest
from qstash import AsyncQStash, QStash
from qstash.errors import QStashError

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api


async def _dead(emu: RunningEmulator, client: AsyncQStash, sink: Sink, n: int, **kw: str) -> None:
    sink.reply("/dead", 500, times=n)
    for i in range(n):
        await client.message.publish(url=sink.url("/dead"), body=f"d{i}", retries=0, **kw)  # type: ignore[arg-type]
    await emu.drain()


async def test_list_newest_first_with_cursor_and_filters(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await _dead(emu, client, sink, 3)
    await _dead(emu, client, sink, 1, label="special")
    first = await client.dlq.list(count=2)
    assert len(first.messages) == 2
    assert first.cursor is not None
    rest = await client.dlq.list(cursor=first.cursor, count=2)
    assert rest.cursor is None
    seqs = [m.dlq_id for m in first.messages + rest.messages]
    assert len(set(seqs)) == 4
    assert (first.messages + rest.messages)[0].body == "d0"  # the last to fail comes first
    only = await client.dlq.list(filter={"label": "special"})
    assert [m.body for m in only.messages] == ["d0"]
    assert [m.label for m in only.messages] == ["special"]
    by_status = await client.dlq.list(filter={"response_status": 500})
    assert len(by_status.messages) == 4


async def test_delete_one_then_404(emu: RunningEmulator, sink: Sink, client: AsyncQStash) -> None:
    await _dead(emu, client, sink, 1)
    [entry] = (await client.dlq.list()).messages
    await client.dlq.delete(entry.dlq_id)
    with pytest.raises(QStashError, match="404"):
        await client.dlq.delete(entry.dlq_id)
    with pytest.raises(QStashError, match="404"):
        await client.dlq.get(entry.dlq_id)


async def test_delete_many_by_body_and_by_query(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, sync_client: QStash
) -> None:
    await _dead(emu, client, sink, 3)
    ids = [m.dlq_id for m in (await client.dlq.list()).messages]
    assert await asyncio.to_thread(sync_client.dlq.delete_many, ids[:2]) == 2
    assert await api(emu, "DELETE", "/v2/dlq", params=[("dlqIds", ids[2])]) == (200, {"deleted": 1})
    assert (await client.dlq.list()).messages == []


async def test_retry_republishes_the_original_and_removes_the_entry(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await _dead(emu, client, sink, 1)
    [entry] = (await client.dlq.list()).messages
    status, body = await api(emu, "POST", "/v2/dlq/retry", params=[("dlqIds", entry.dlq_id)])
    assert status == 201
    [response] = body["responses"]
    assert response["messageId"] != entry.message_id
    await emu.drain()
    assert [r.body for r in sink.at("/dead")] == [b"d0", b"d0"]
    assert sink.at("/dead")[-1].headers["Upstash-Message-Id"] == response["messageId"]
    assert (await client.dlq.list()).messages == []
