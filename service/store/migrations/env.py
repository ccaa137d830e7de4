"""Alembic environment: runs migrations on the connection service.store.migrate hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from service.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `scout db upgrade` (service.store.migrate)")
_run(connection)
