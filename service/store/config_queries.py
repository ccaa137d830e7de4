"""System-configuration rows: read them all, upsert one."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from service.store.base import StoreBase
from service.store.records import ConfigRow
from service.store.tables import system_configurations


class ConfigQueries(StoreBase):
    async def config_rows(self) -> list[ConfigRow]:
        query = sa.select(system_configurations).order_by(
            system_configurations.c.category, system_configurations.c.key
        )
        async with self.engine.connect() as conn:
            return [
                ConfigRow(
                    category=row.category,
                    key=row.key,
                    value=row.value,
                    value_type=row.value_type,
                    description=row.description,
                    updated_at=row.updated_at,
                )
                for row in await conn.execute(query)
            ]

    async def put_config(
        self, category: str, key: str, *, value: str, value_type: str, description: str | None
    ) -> None:
        """Insert or replace one (category, key) value."""
        now = self._clock.now()
        table = system_configurations
        insert = (
            postgresql.insert(table)
            if self.engine.dialect.name == "postgresql"
            else sqlite.insert(table)
        )
        statement = insert.values(
            id=uuid.uuid4(),
            category=category,
            key=key,
            value=value,
            value_type=value_type,
            description=description,
            created_at=now,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.category, table.c.key],
            set_={
                "value": statement.excluded.value,
                "value_type": statement.excluded.value_type,
                "description": statement.excluded.description,
                "updated_at": now,
            },
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)
