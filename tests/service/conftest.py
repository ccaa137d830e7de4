"""Service test fixtures: stores on SQLite (always) and PostgreSQL (when configured), clocks."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from service.clock import ManualClock
from service.store import Store
from service.store.engine import create_engine
from service.store.tables import metadata

POSTGRES_URL_VAR = "SCOUT_TEST_POSTGRES_URL"


async def _create_schema(url: str, schema: str, *, drop: bool) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            verb = (
                f'DROP SCHEMA IF EXISTS "{schema}" CASCADE' if drop else f'CREATE SCHEMA "{schema}"'
            )
            await conn.execute(sa.text(verb))
    finally:
        await engine.dispose()


def _postgres_store(url: str, schema: str, clock: ManualClock) -> Store:
    # Every connection of this engine resolves unqualified names in the session's own schema.
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    return Store(engine, clock)


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up work on its own loop in a thread: the caller may sit inside a test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema for this test session (migrated once), dropped at the end."""
    url = os.environ.get(POSTGRES_URL_VAR)
    if not url:
        if os.environ.get("SCOUT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"SCOUT_REQUIRE_POSTGRES=1 but {POSTGRES_URL_VAR} is not set")
        pytest.skip(f"set {POSTGRES_URL_VAR} to run the PostgreSQL store tests")
    schema = f"scout_test_{uuid.uuid4().hex[:12]}"
    _run(_create_schema(url, schema, drop=False))

    async def migrate() -> None:
        store = _postgres_store(url, schema, ManualClock())
        try:
            await store.upgrade()
        finally:
            await store.close()

    _run(migrate())
    try:
        yield url, schema
    finally:
        _run(_create_schema(url, schema, drop=True))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sqlite_store(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'scout.db'}", clock)
    await store.upgrade()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Store]:
    """A migrated, empty store on each engine; the same test runs against both."""
    if request.param == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path / 'scout.db'}", clock)
        await store.upgrade()
    else:
        url, schema = request.getfixturevalue("postgres_schema")
        store = _postgres_store(url, schema, clock)
        async with store.engine.begin() as conn:
            names = ", ".join(table.name for table in reversed(metadata.sorted_tables))
            await conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    try:
        yield store
    finally:
        await store.close()
