"""Campaign queries: create, list and fetch a user's campaigns."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from service.jobs.enums import CampaignStatus, SearchType
from service.store.base import StoreBase
from service.store.records import Campaign
from service.store.tables import campaigns


def _campaign(row: sa.Row[Any]) -> Campaign:
    return Campaign(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        description=row.description,
        search_type=SearchType(row.search_type),
        status=CampaignStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class CampaignQueries(StoreBase):
    async def create_campaign(
        self, user_id: str, *, name: str, search_type: SearchType, description: str | None = None
    ) -> Campaign:
        now = self._clock.now()
        campaign = Campaign(
            id=uuid.uuid4(),
            user_id=user_id,
            name=name,
            description=description,
            search_type=search_type,
            status=CampaignStatus.DRAFT,
            created_at=now,
            updated_at=now,
        )
        async with self.engine.begin() as conn:
            await conn.execute(
                campaigns.insert().values(
                    id=campaign.id,
                    user_id=user_id,
                    name=name,
                    description=description,
                    search_type=search_type.value,
                    status=campaign.status.value,
                    created_at=now,
                    updated_at=now,
                )
            )
        return campaign

    async def list_campaigns(self, user_id: str) -> list[Campaign]:
        query = (
            sa.select(campaigns)
            .where(campaigns.c.user_id == user_id)
            .order_by(campaigns.c.created_at.desc(), campaigns.c.id)
        )
        async with self.engine.connect() as conn:
            return [_campaign(row) for row in await conn.execute(query)]

    async def get_campaign(self, user_id: str, campaign_id: UUID) -> Campaign | None:
        """The user's campaign; another user's campaign is None, exactly like a missing one."""
        query = sa.select(campaigns).where(
            campaigns.c.id == campaign_id, campaigns.c.user_id == user_id
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _campaign(row)
