"""Create the async SQLAlchemy engine for a database URL, with SQLite set up for concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.store.urls import is_sqlite, parse_database_url

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy (pysqlite's implicit BEGIN skips reads), turn
    # on foreign keys, and let readers work beside one writer (WAL).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_opener(
    url: URL, connect_args: dict[str, Any]
) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """Open aiosqlite connections as SQLAlchemy would, but never leave a worker thread behind.

    When connecting fails, aiosqlite queues its worker thread's stop without waiting for it
    (aiosqlite 0.22). That thread then reports back to the event loop whenever it gets the
    GIL; if the loop has closed by then (a shutdown or a test ending right after a failed
    health check), the thread dies with "Event loop is closed". Joining it before the error
    propagates keeps every thread inside the loop's lifetime.

    aiosqlite has no public handle on that thread (its maintainers declined a daemon option),
    so this uses the private `Connection._thread`, as SQLAlchemy's own aiosqlite dialect does.
    pyproject.toml pins aiosqlite to the 0.22 series, and
    tests/service/test_dependency_internals.py fails if a release changes the attribute.
    """
    dialect = url.get_dialect()()
    cargs, cparams = dialect.create_connect_args(url)
    arguments = {**cparams, **connect_args}
    # The file's folder is made on first connect, not when the engine is built: a command that
    # fails before it connects (or only reads, and checks first) leaves nothing on disk.
    folder = Path(url.database).parent if url.database and url.database != ":memory:" else None

    async def open_connection() -> aiosqlite.Connection:
        if folder is not None:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        connection = aiosqlite.connect(*cargs, **arguments)
        connection._thread.daemon = True  # as SQLAlchemy does: never block interpreter exit
        try:
            return await connection
        except BaseException:
            await asyncio.to_thread(connection._thread.join)
            raise

    return open_connection


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for `database_url` (any sqlite/postgres spelling; the driver is normalised)."""
    url = parse_database_url(database_url)
    if is_sqlite(url):
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
        opener = _sqlite_opener(url, connect_args)
        engine = create_async_engine(url, async_creator=opener, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)
