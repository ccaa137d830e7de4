"""The async store: one interface over SQLite and PostgreSQL, assembled from its query groups."""

from __future__ import annotations

import sqlalchemy as sa

from service.clock import Clock
from service.store import migrate
from service.store.campaign_queries import CampaignQueries
from service.store.cleanup import CleanupQueries
from service.store.config_queries import ConfigQueries
from service.store.engine import POSTGRES_POOL_SIZE, create_engine
from service.store.job_pages import JobPageQueries
from service.store.job_queries import JobQueries
from service.store.leases import LeaseQueries
from service.store.outbox import OutboxQueries
from service.store.steps import StepQueries


class Store(
    CampaignQueries,
    JobQueries,
    JobPageQueries,
    StepQueries,
    LeaseQueries,
    OutboxQueries,
    ConfigQueries,
    CleanupQueries,
):
    """Typed reads and conditional writes; see each query group for the methods."""

    @classmethod
    def open(
        cls, database_url: str, clock: Clock, *, postgres_pool_size: int = POSTGRES_POOL_SIZE
    ) -> Store:
        return cls(create_engine(database_url, postgres_pool_size=postgres_pool_size), clock)

    async def upgrade(self) -> None:
        """Apply pending migrations (idempotent)."""
        await migrate.upgrade(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
