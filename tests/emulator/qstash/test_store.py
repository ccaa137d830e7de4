"""The store answers 2xx only for what is durable: a refused write fails its publishes (500),
is undone in memory, is never delivered, and publishing works again once the disk has room."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from qstash import AsyncQStash
from qstash.errors import QStashError

from emulator.qstash.errors import StoreWriteError
from emulator.qstash.store import Store
from emulator.qstash.testing import RunningEmulator, running_emulator
from tests.emulator.qstash.conftest import Sink, api

BODY = "x" * 6000  # larger than a page, so every publish needs new pages


def _broken() -> Sequence[str]:
    raise ValueError("unrenderable")


def _connection(emu: RunningEmulator) -> sqlite3.Connection:
    conn = emu.state.store._conn
    assert conn is not None
    return conn


def _fill_disk(emu: RunningEmulator) -> None:
    """SQLite's own limit: past max_page_count every write fails with SQLITE_FULL."""
    conn = _connection(emu)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _free_disk(emu: RunningEmulator) -> None:
    _connection(emu).execute("PRAGMA max_page_count = 1000000")


async def test_a_row_that_fails_to_render_refuses_its_batch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = str(tmp_path / "store.sqlite3")
    store = Store(db)
    undone: list[str] = []
    store.start()
    try:
        store.save_meta("refused", "yes", lambda: undone.append("refused"))
        store.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", _broken)
        with pytest.raises(StoreWriteError, match="cannot render a row"):
            await store.commit()
        assert undone == ["refused"]
        store.save_meta("kept", "yes")
        await store.commit()  # the next batch commits
    finally:
        store.close()
    assert "cannot render a row" in caplog.text
    reopened = Store(db)
    try:
        assert reopened.load().meta == {"kept": "yes"}
    finally:
        reopened.close()


async def _event_ids(emu: RunningEmulator, state: str) -> list[str]:
    status, body = await api(emu, "GET", "/v2/events", params={"state": state})
    assert status == 200
    return [event["messageId"] for event in body["events"]]


async def _publish_later(client: AsyncQStash, url: str) -> str:
    res = await client.message.publish(url=url, body=BODY, delay="1h")
    message_id: str = res.message_id  # type: ignore[union-attr]
    return message_id


async def test_a_full_disk_refuses_publishes_until_it_has_room(
    tmp_path: Path, sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    db = str(tmp_path / "state.sqlite3")
    async with running_emulator(db) as emu:
        client = AsyncQStash(emu.token, base_url=emu.url, retry=False)
        try:
            before = [await _publish_later(client, sink.url("/a")) for _ in range(3)]
            _fill_disk(emu)
            for i in range(5):
                with pytest.raises(QStashError, match="database or disk is full"):
                    await client.message.publish(
                        url=sink.url("/refused"), body=BODY, deduplication_id=f"d{i}"
                    )
            with pytest.raises(QStashError, match="database or disk is full"):
                await client.message.enqueue(queue="q1", url=sink.url("/refused"), body=BODY)
            status, answer = await api(
                emu, "POST", f"/v2/publish/{sink.url('/refused')}", data=BODY
            )
            assert status == 500
            assert set(answer) == {"error"}
            await emu.drain()
            assert sink.at("/refused") == []  # never delivered
            assert sorted(await _event_ids(emu, "CREATED")) == sorted(before)
            assert [q.name for q in await client.queue.list()] == []
            for message_id in before:
                assert (await client.message.get(message_id)).body == BODY

            _free_disk(emu)
            again = await client.message.publish(
                url=sink.url("/again"), body=BODY, deduplication_id="d0"
            )
            assert not again.deduplicated  # type: ignore[union-attr]
            await emu.drain()
            assert [r.body.decode() for r in sink.at("/again")] == [BODY]
        finally:
            await client.http._client.aclose()
    assert caplog.text.count("store_write_failed") == 1
    assert caplog.text.count("store_writes_resumed") == 1
    assert caplog.text.index("store_write_failed") < caplog.text.index("store_writes_resumed")
    async with running_emulator(db) as emu:
        status, _ = await api(emu, "GET", f"/v2/messages/{before[0]}")
        assert status == 200
        created = await _event_ids(emu, "CREATED")
        assert sorted(created) == sorted([*before, again.message_id])  # type: ignore[union-attr]
