"""Migrations: a fresh database reaches head, and upgrading twice is harmless."""

from __future__ import annotations

from pathlib import Path

from service.clock import ManualClock
from service.store import Store
from service.store.migrate import current_revision, head_revision


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
