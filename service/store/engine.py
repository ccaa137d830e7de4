"""Create the async SQLAlchemy engine for a database URL, with SQLite set up for concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.store.threaded import ThreadedSQLite, place_beside
from service.store.urls import is_sqlite, parse_database_url

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
# An execution option of ours: the connection runs each statement on its own, without BEGIN.
SINGLE_STATEMENT = "scout_single_statement"
# PostgreSQL's pool: at most this many connections, each opened when load first needs it and
# then kept (none beyond it). SQLAlchemy's default (5 kept, 10 more closed as soon as they are
# returned) reopens connections after every burst of deliveries, and a new asyncpg connection
# costs a connect, type introspection and a fresh prepare of every statement it sends.
POSTGRES_POOL_SIZE = 15


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
    if not connection.get_execution_options().get(SINGLE_STATEMENT):
        connection.exec_driver_sql("BEGIN")


def single_statement_engine(engine: AsyncEngine) -> AsyncEngine:
    """A view of `engine` (same pool) whose connections send no BEGIN and no COMMIT.

    For writes that are one statement: a statement is atomic by itself on both engines, and
    the transaction around it costs a statement (SQLite) or two round trips (PostgreSQL).
    SQLite keeps the isolation level SQLAlchemy already leaves to us (BEGIN is ours, above);
    switching it would make pysqlite start transactions of its own on the pooled connection.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SINGLE_STATEMENT: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


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


def create_engine(
    database_url: str, *, postgres_pool_size: int = POSTGRES_POOL_SIZE, **kwargs: Any
) -> AsyncEngine:
    """An engine for `database_url` (any sqlite/postgres spelling; the driver is normalised).

    `postgres_pool_size` bounds PostgreSQL's pool (SQLite's file needs no such bound).
    """
    url = parse_database_url(database_url)
    if is_sqlite(url):
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
        opener = _sqlite_opener(url, connect_args)
        engine = create_async_engine(url, async_creator=opener, **kwargs)
        listeners: dict[str, Callable[..., None]] = {
            "connect": _sqlite_connect,
            "begin": _sqlite_begin,
        }
        for name, listener in listeners.items():
            event.listen(engine.sync_engine, name, listener)
        # Its hot-path transactions run in worker threads (see service.store.threaded).
        threaded = ThreadedSQLite(url, connect_args, listeners, {SINGLE_STATEMENT: True})
        place_beside(engine.sync_engine, threaded)
        return engine
    kwargs.setdefault("pool_size", postgres_pool_size)
    kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Keep a connection the server has closed (a restart, a terminated backend) out of use.

    In place of pool_pre_ping, which asks the server on every checkout: with asyncpg that is
    BEGIN, a query and ROLLBACK, three round trips per transaction. asyncpg already knows
    when the server closed a connection; the pool replaces one that is (DisconnectionError
    makes it take another).
    """
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")
