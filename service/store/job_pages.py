"""A user's jobs, newest first, a page at a time (keyset pagination on (created_at, id))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from service.jobs.enums import JobKind, JobStatus
from service.store.base import StoreBase, job_from_row
from service.store.records import Job
from service.store.tables import scraping_jobs as jobs


@dataclass(frozen=True, slots=True)
class JobKey:
    """Where a job sits in the newest-first order; a page continues after one of these."""

    created_at: datetime
    id: UUID


@dataclass(frozen=True, slots=True)
class JobFilter:
    campaign_id: UUID | None = None
    status: JobStatus | None = None
    kind: JobKind | None = None


class JobPageQueries(StoreBase):
    async def list_jobs(
        self,
        user_id: str,
        *,
        limit: int,
        where: JobFilter = JobFilter(),
        after: JobKey | None = None,
    ) -> tuple[list[Job], JobKey | None]:
        """Up to `limit` of the user's jobs after `after`, newest first (ties: higher id
        first), and the key to continue from, or None when this is the last page."""
        conditions = [jobs.c.user_id == user_id]
        if where.campaign_id is not None:
            conditions.append(jobs.c.campaign_id == where.campaign_id)
        if where.status is not None:
            conditions.append(jobs.c.status == where.status.value)
        if where.kind is not None:
            conditions.append(jobs.c.kind == where.kind.value)
        if after is not None:
            # Spelled out rather than a row comparison: SQLite and PostgreSQL both use the
            # (user_id, created_at, id) index for it.
            conditions.append(
                sa.or_(
                    jobs.c.created_at < after.created_at,
                    sa.and_(jobs.c.created_at == after.created_at, jobs.c.id < after.id),
                )
            )
        query = (
            sa.select(jobs)
            .where(*conditions)
            .order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
            .limit(limit + 1)  # one more than asked says whether another page follows
        )
        async with self.engine.connect() as conn:
            found = [job_from_row(row) for row in await conn.execute(query)]
        page = found[:limit]
        more = len(found) > limit
        return page, JobKey(page[-1].created_at, page[-1].id) if more else None
