"""Step leases: one delivery at a time works on a job's step (no double spending on duplicates).

The lease lives in `scraping_jobs.run_id` as `"<step>:<token>"`: the run currently working on
the job. Exactly-once writes never depend on it (commit_step checks the step); it only keeps
a duplicate or concurrent delivery from calling ScrapeCreators a second time.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import sqlalchemy as sa

from service.store.base import StoreBase, at_step, job_from_row
from service.store.records import Job
from service.store.tables import scraping_jobs as jobs


def _holder(step: int, token: str) -> str:
    return f"{step}:{token}"


class LeaseQueries(StoreBase):
    async def claim_step(
        self, job_id: UUID, step: int, token: str, *, lease: timedelta
    ) -> Job | None:
        """Take the step's lease unless another run holds it and was active within `lease`.

        Returns the job as claimed, or None when it is not at `step`, is final or is held.
        """
        now = self._clock.now()
        free = sa.or_(
            jobs.c.run_id.is_(None),
            # A lease on an earlier step is over: that step has committed.
            sa.not_(jobs.c.run_id.startswith(f"{step}:")),
            jobs.c.updated_at <= now - lease,
        )
        query = (
            jobs.update()
            .where(at_step(job_id, step), free)
            .values(run_id=_holder(step, token), updated_at=now)
            .returning(*jobs.c)
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else job_from_row(row)

    async def release_step(self, job_id: UUID, step: int, token: str) -> None:
        """Give the lease back (a no-op when someone else holds it now)."""
        query = (
            jobs.update()
            .where(jobs.c.id == job_id, jobs.c.run_id == _holder(step, token))
            .values(run_id=None)
        )
        async with self.engine.begin() as conn:
            await conn.execute(query)

    async def break_lease(self, job_id: UUID, step: int) -> None:
        """Drop whatever lease the step has: its holder is presumed dead (the job stalled)."""
        query = (
            jobs.update()
            .where(at_step(job_id, step), jobs.c.run_id.is_not(None))
            .values(run_id=None)
        )
        async with self.engine.begin() as conn:
            await conn.execute(query)
