"""The engines: SQLite's failed connects leave no worker thread behind; PostgreSQL's pool keeps
the connections load opened, up to its bound."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from service.store.engine import POSTGRES_POOL_SIZE, create_engine
from service.testing import postgres_database, running_service
from tests.service.conftest import settings_env


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
    lost = asyncio.Event()
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(sa.text("SELECT pg_backend_pid()"))
            driver: Any = (await conn.get_raw_connection()).driver_connection
            driver.add_termination_listener(lambda _conn: lost.set())
        async with other.connect() as conn:
            await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # The pooled connection's socket has seen the server's close.
        await asyncio.wait_for(lost.wait(), 10)

        async with engine.connect() as conn:
            assert await conn.scalar(sa.text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()
        await other.dispose()


async def _burst(engine: AsyncEngine, size: int) -> None:
    """`size` connections checked out at once (deliveries arriving together), then returned."""
    ready, release = asyncio.Barrier(size + 1), asyncio.Event()

    async def hold() -> None:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
            await ready.wait()
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(size)]
    await ready.wait()
    release.set()
    await asyncio.gather(*holders)


@pytest.mark.postgres
async def test_connections_a_burst_opened_serve_the_next_burst(
    postgres_schema: tuple[str, str],
) -> None:
    # Reopening them would cost a connect, type introspection and a new prepare of each
    # statement: for a busy instance, a large share of a step's CPU.
    url, _ = postgres_schema
    engine = create_engine(url)
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda conn, _record: opened.append(conn))
    try:
        await _burst(engine, 12)
        assert len(opened) == 12
        await _burst(engine, 12)
        assert len(opened) == 12
    finally:
        await engine.dispose()


async def _connections_to(url: str, database: str) -> int:
    probe = create_engine(url)
    try:
        async with probe.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = :name"
            return int((await conn.execute(sa.text(query), {"name": database})).scalar_one())
    finally:
        await probe.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("size", [POSTGRES_POOL_SIZE, 3])
async def test_an_instance_keeps_to_its_documented_connections(
    postgres_schema: tuple[str, str], size: int
) -> None:
    # The README sizes max_connections for DATABASE_POOL_SIZE (default 15) per instance: one
    # more waits.
    url, _ = postgres_schema
    engine = create_engine(url, postgres_pool_size=size, pool_timeout=0.2)
    try:
        await _burst(engine, size)
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(size):
                await stack.enter_async_context(engine.connect())
            with pytest.raises(sa.exc.TimeoutError):
                await stack.enter_async_context(engine.connect())
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_service_keeps_database_pool_size_connections(
    postgres_schema: tuple[str, str],
) -> None:
    url, _ = postgres_schema
    async with postgres_database(url, "scout_pool") as database_url:
        env = settings_env(
            DATABASE_URL=database_url, DATABASE_POOL_SIZE="3", SWEEP_SCHEDULE="false"
        )
        async with running_service(env, access_log=None) as service:
            database = sa.engine.make_url(database_url).database
            assert database is not None
            async with aiohttp.ClientSession(headers={"Authorization": "Bearer dev:u"}) as http:

                async def list_jobs() -> int:
                    async with http.get(f"{service.url}/api/jobs") as response:
                        await response.read()
                        return response.status

                # Far more requests at once than the pool holds: they wait their turn for a
                # connection, none fails, and the pool keeps the setting's size (15 by
                # default). That it never opens more is the pool's own test's, above.
                statuses = await asyncio.gather(*(list_jobs() for _ in range(40)))
                assert set(statuses) == {200}
                assert await _connections_to(url, database) == 3
