"""The private attributes of dependencies that the service reaches into (no public API does the
job) still exist with the types the code relies on; pyproject.toml pins the versions checked.

A release that renames or retypes one fails here, before it can fail in production."""

from __future__ import annotations

import threading
from pathlib import Path

import aiosqlite
import httpx
import sqlalchemy as sa
from qstash import AsyncQStash

from service.qstash.publisher import close_qstash
from service.store.engine import create_engine


def _aiosqlite_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


def test_an_aiosqlite_connection_holds_its_unstarted_worker_as_thread() -> None:
    # service/store/engine.py marks `_thread` daemon before the connection starts it, and joins
    # it when connecting fails (aiosqlite offers neither: its maintainers declined a daemon
    # option, and a failed connect queues the thread's stop without waiting for it).
    connection = aiosqlite.connect(":memory:")

    assert isinstance(connection._thread, threading.Thread)
    assert not connection._thread.is_alive()
    connection._thread.daemon = True  # allowed only before the thread starts


async def test_the_engine_runs_sqlite_connections_on_daemon_threads(tmp_path: Path) -> None:
    # Daemon, as SQLAlchemy's own aiosqlite dialect makes them: a connection that was never
    # closed does not keep the interpreter from exiting.
    before = set(_aiosqlite_workers())
    engine = create_engine(f"sqlite:///{tmp_path / 'scout.db'}")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
            workers = [t for t in _aiosqlite_workers() if t not in before]
            assert workers
            assert all(t.daemon for t in workers)
    finally:
        await engine.dispose()


async def test_the_qstash_sdk_keeps_its_httpx_client_where_close_qstash_closes_it() -> None:
    # The SDK (qstash==3.4.0) opens an httpx.AsyncClient per AsyncQStash and offers no close.
    client = AsyncQStash("token", base_url="http://127.0.0.1:9", retry=False)
    inner = client.http._client
    assert isinstance(inner, httpx.AsyncClient)
    assert not inner.is_closed

    await close_qstash(client)

    assert inner.is_closed
