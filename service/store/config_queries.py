"""System-configuration rows: read them all, upsert several in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from service.store.base import StoreBase
from service.store.records import ConfigRow, NewConfig
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

    async def put_configs(self, values: Sequence[NewConfig]) -> None:
        """Insert or replace each (category, key) value; all of them or, on error, none."""
        now = self._clock.now()
        table = system_configurations
        insert = (
            postgresql.insert(table)
            if self.engine.dialect.name == "postgresql"
            else sqlite.insert(table)
        )
        async with self.engine.begin() as conn:
            for new in values:
                statement = insert.values(
                    id=uuid.uuid4(),
                    category=new.category,
                    key=new.key,
                    value=new.value,
                    value_type=new.value_type,
                    description=new.description,
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
                await conn.execute(statement)
