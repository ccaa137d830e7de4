"""Apply the versioned Alembic migrations to a database (on start and by `scout db upgrade`)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.store.reach import reaching

_SCRIPTS = Path(__file__).with_name("migrations")
# Instances starting together each upgrade at start: on PostgreSQL they take this advisory lock
# (held until their migration commits), so one migrates and the others then find the head.
MIGRATION_LOCK = 0x5C0_0001


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision`; a no-op when it is already there.

    The first contact with the database at start: DatabaseUnavailable says where it failed.
    """
    with reaching(engine.url):
        async with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                await _sqlite_foreign_keys(conn, on=False)
            try:
                async with conn.begin():
                    if conn.dialect.name == "postgresql":
                        lock = sa.text("SELECT pg_advisory_xact_lock(:key)")
                        await conn.execute(lock, {"key": MIGRATION_LOCK})
                    await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))
            finally:
                if sqlite:
                    await _sqlite_foreign_keys(conn, on=True)


async def _sqlite_foreign_keys(conn: AsyncConnection, *, on: bool) -> None:
    """Switch SQLite's foreign keys for this connection (outside any transaction, or it is a
    no-op). A batch migration copies a table and drops the original: with foreign keys on,
    that drop would cascade and delete every row that refers to it (a job's results)."""
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None  # an open connection has its driver's connection
    await raw.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


async def current_revision(engine: AsyncEngine) -> str | None:
    with reaching(engine.url):
        async with engine.connect() as conn:
            return await conn.run_sync(_current)
