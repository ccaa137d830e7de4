"""Migrations: a fresh database reaches head, and upgrading twice is harmless."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa

from service.clock import ManualClock
from service.store import Store, migrate, tables
from service.store.migrate import current_revision, head_revision
from service.testing import postgres_database


async def test_upgrade_reaches_head_and_is_idempotent(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'nested' / 'scout.db'}", ManualClock())
    try:
        assert await current_revision(store.engine) is None
        await store.upgrade()
        await store.upgrade()
        assert await current_revision(store.engine) == head_revision() is not None
    finally:
        await store.close()


async def test_the_store_suite_database_is_at_head(store: Store) -> None:
    assert await current_revision(store.engine) == head_revision()


async def test_upgrading_from_0001_keeps_jobs_and_their_results(tmp_path: Path) -> None:
    """0002 rebuilds `scraping_jobs` on SQLite (batch mode): the results that refer to it stay."""
    clock = ManualClock()
    store = Store.open(f"sqlite:///{tmp_path / 'scout.db'}", clock)
    try:
        await migrate.upgrade(store.engine, "0001")
        now = clock.now()
        job_id = uuid4()
        async with store.engine.begin() as conn:
            await conn.execute(
                sa.insert(tables.scraping_jobs).values(
                    id=job_id,
                    user_id="user-1",
                    kind="tiktok_keyword",
                    created_at=now,
                    updated_at=now,
                    timeout_at=now,
                )
            )
            await conn.execute(
                sa.insert(tables.scraping_results).values(
                    job_id=job_id, position=0, creator_key="k", creator={}, created_at=now
                )
            )

        await store.upgrade()

        assert await store.count_results(job_id) == 1
        assert await store.cancel_job("user-1", job_id) is not None  # the new status fits
        assert (await store.get_job(job_id)) is not None
    finally:
        await store.close()


@pytest.mark.postgres
async def test_instances_starting_together_migrate_one_at_a_time(
    postgres_schema: tuple[str, str],
) -> None:
    """Several instances start at once on an empty database: each upgrade waits its turn, the
    first does the work and the others find the schema at head (no duplicate-key failure)."""
    url, _ = postgres_schema  # the server to use (this test takes a database of its own)
    async with postgres_database(url, "scout_migrate") as database_url:
        env = {**os.environ, "DATABASE_URL": database_url}
        upgrades = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "scout",
                "db",
                "upgrade",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(4)
        ]
        outputs = [(await upgrade.communicate())[0].decode() for upgrade in upgrades]
        assert [upgrade.returncode for upgrade in upgrades] == [0, 0, 0, 0], outputs
        store = Store.open(database_url, ManualClock())
        try:
            assert await current_revision(store.engine) == head_revision()
        finally:
            await store.close()
