"""Retention: delete finished jobs and their results once past their status's retention."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from service.jobs.enums import FINAL_STATUSES, JobStatus
from service.store.base import StoreBase
from service.store.tables import scraping_jobs as jobs
from service.store.tables import scraping_results as results
from service.store.tables import step_outbox as outbox


class CleanupQueries(StoreBase):
    async def delete_finished(
        self, finished_before: Mapping[JobStatus, datetime], *, limit: int
    ) -> dict[JobStatus, int]:
        """Delete at most `limit` jobs whose status is a key of `finished_before` and which
        finished before that time, oldest first, with their results, in one transaction.

        Returns how many jobs were deleted, by status.
        """
        if not finished_before:
            return {}
        if not set(finished_before) <= FINAL_STATUSES:
            raise ValueError("only finished jobs are deleted")
        # Every final transition sets completed_at; updated_at stands in for rows without it.
        finished_at = sa.func.coalesce(jobs.c.completed_at, jobs.c.updated_at)
        due = sa.or_(
            *(
                sa.and_(jobs.c.status == status.value, finished_at < cutoff)
                for status, cutoff in finished_before.items()
            )
        )
        chosen = sa.select(jobs.c.id, jobs.c.status).where(due).order_by(finished_at).limit(limit)
        async with self.engine.begin() as conn:
            rows = (await conn.execute(chosen)).all()
            if not rows:
                return {}
            ids = [row.id for row in rows]
            # Results first: the cascade is not relied on (SQLite applies it only with
            # foreign keys switched on for the connection).
            await conn.execute(results.delete().where(results.c.job_id.in_(ids)))
            await conn.execute(outbox.delete().where(outbox.c.job_id.in_(ids)))
            # Counted from what was deleted: a concurrent sweep may have taken some already.
            deleted = await conn.execute(
                jobs.delete().where(jobs.c.id.in_(ids)).returning(jobs.c.status)
            )
            return dict(Counter(JobStatus(status) for status in deleted.scalars()))
