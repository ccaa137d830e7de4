"""SQLite transactions run whole in a worker thread, on a synchronous engine over the same file.

aiosqlite hands every DBAPI call (cursor, execute, fetch, close, commit) to its connection's
thread and back: several thread hand-offs per statement, which cost more CPU than the
statements themselves. A transaction written as one synchronous function instead crosses to a
worker thread once and back once. The store's hot path (claim, commit, marking a step's message
sent) runs that way on SQLite; PostgreSQL runs the same functions on asyncpg (`StoreBase`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

T = TypeVar("T")

# Writers take turns on SQLite anyway; a few threads let a reader pass a writer that waits.
THREADS = 4

# The threaded engine beside each SQLite async engine that create_engine made (keyed by the
# async engine's synchronous core, which lives exactly as long as the async engine).
_BESIDE: WeakKeyDictionary[Engine, ThreadedSQLite] = WeakKeyDictionary()


class ThreadedSQLite:
    """A pysqlite engine on the async engine's file, with the same connection set-up."""

    def __init__(
        self,
        url: URL,
        connect_args: dict[str, Any],
        listeners: dict[str, Callable[..., None]],
        single_statement: dict[str, Any],
    ) -> None:
        self.engine = sa.create_engine(
            url.set(drivername="sqlite+pysqlite"), connect_args=connect_args
        )
        for name, listener in listeners.items():
            event.listen(self.engine, name, listener)
        self._single = self.engine.execution_options(**single_statement)
        self._threads: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[[Connection], T], *, single: bool) -> T:
        """`work` in one transaction (or, `single`, with no BEGIN), in a worker thread."""
        if self._threads is None:
            self._threads = ThreadPoolExecutor(THREADS, thread_name_prefix="scout-sqlite")
        engine = self._single if single else self.engine
        call = functools.partial(_run, engine, work)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def dispose(self) -> None:
        self.engine.dispose()
        threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False)


def _run(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.connect() as conn, conn.begin():
        return work(conn)


def place_beside(async_core: Engine, threaded: ThreadedSQLite) -> None:
    """Pair `threaded` with an async engine (by its sync core); disposed together."""
    _BESIDE[async_core] = threaded
    event.listen(async_core, "engine_disposed", lambda _: threaded.dispose())


def beside(async_core: Engine) -> ThreadedSQLite | None:
    """The threaded engine paired with this async engine, if any (SQLite engines only)."""
    return _BESIDE.get(async_core)
