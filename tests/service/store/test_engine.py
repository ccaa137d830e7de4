"""The SQLite engine: connection attempts that fail leave no aiosqlite worker thread behind."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from service.store.engine import create_engine


def _aiosqlite_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


async def test_a_failed_connect_stops_its_worker_before_raising(tmp_path: Path) -> None:
    # A worker still running after the error would call back into the event loop later,
    # possibly after the loop has closed ("Event loop is closed" in a stray thread).
    before = _aiosqlite_workers()
    engine = create_engine(f"sqlite:///{tmp_path}")  # a directory is not a database
    try:
        with pytest.raises(OperationalError):
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))

        assert _aiosqlite_workers() == before
    finally:
        await engine.dispose()


async def test_connections_open_in_wal_mode_with_the_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'scout.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT 1"))).scalar() == 1
            mode = (await conn.execute(sa.text("PRAGMA journal_mode"))).scalar()
            busy = (await conn.execute(sa.text("PRAGMA busy_timeout"))).scalar()
    finally:
        await engine.dispose()

    assert mode == "wal"
    assert busy == 30_000


@pytest.mark.postgres
async def test_a_pooled_connection_the_server_closed_is_replaced(
    postgres_schema: tuple[str, str],
) -> None:
    # A server restart or a terminated backend: the next checkout must not hand it out.
    url, _ = postgres_schema
    engine, other = create_engine(url), create_engine(url)
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(sa.text("SELECT pg_backend_pid()"))
        async with other.connect() as conn:
            await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            for _ in range(100):
                if await conn.scalar(gone, {"pid": pid}) == 0:
                    break
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the pooled connection's socket sees the server's close

        async with engine.connect() as conn:
            assert await conn.scalar(sa.text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()
        await other.dispose()
