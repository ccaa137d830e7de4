"""Step leases: one delivery at a time works on a job's step (no double spending on duplicates).

The lease lives in `scraping_jobs.run_id` as `"<step>:<token>"` (the run working on the job) and
`lease_expires_at`. The lease is short and its holder renews it while the step runs (a
heartbeat), so a killed holder's lease ends within seconds and a redelivery can take it over.
Exactly-once writes never depend on the lease alone (commit_step checks the step too); it keeps
a duplicate or concurrent delivery from calling ScrapeCreators a second time, and a run that
lost its lease from committing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.store.base import AT_STEP, StoreBase, at_step, job_from_row, param, time_param
from service.store.records import Job
from service.store.tables import scraping_jobs as jobs


def holder(step: int, token: str) -> str:
    """The `run_id` of the run holding `step` with `token`."""
    return f"{step}:{token}"


# Built once (every step claims): parameters b_job, b_step, b_prefix, b_now, b_holder, b_until.
_CLAIM = (
    jobs.update()
    .where(
        AT_STEP,
        sa.or_(
            jobs.c.run_id.is_(None),
            # A lease on an earlier step is over: that step has committed.
            sa.not_(jobs.c.run_id.startswith(param("b_prefix"))),
            jobs.c.lease_expires_at.is_(None),
            jobs.c.lease_expires_at <= time_param("b_now"),
        ),
    )
    .values(
        run_id=param("b_holder"),
        lease_expires_at=time_param("b_until"),
        updated_at=time_param("b_now"),
    )
    .returning(*jobs.c)
)


class LeaseQueries(StoreBase):
    async def claim_step(
        self, job_id: UUID, step: int, token: str, *, lease: timedelta
    ) -> Job | None:
        """Take the step's lease for `lease` unless another run holds one that has not expired.

        Returns the job as claimed, or None when it is not at `step`, is final or is held.
        One statement, so no transaction around it.
        """
        now = self._clock.now()
        values = {
            "b_job": job_id,
            "b_step": step,
            "b_prefix": f"{step}:",
            "b_now": now,
            "b_holder": holder(step, token),
            "b_until": now + lease,
        }

        def claim(conn: Connection) -> sa.Row[Any] | None:
            return conn.execute(_CLAIM, values).first()

        row = await self._statement(claim)
        return None if row is None else job_from_row(row)

    async def renew_lease(self, job_id: UUID, step: int, token: str, *, lease: timedelta) -> bool:
        """Push the lease's end to now + `lease`, only while this run still holds it.

        False when the run has lost it (taken over, broken by the sweeper, or the step is over):
        a lease is never extended for a run that no longer holds it.
        """
        query = (
            jobs.update()
            .where(at_step(job_id, step), jobs.c.run_id == holder(step, token))
            .values(lease_expires_at=self._clock.now() + lease)
        )
        async with self.engine.begin() as conn:
            return (await conn.execute(query)).rowcount == 1

    async def release_step(self, job_id: UUID, step: int, token: str) -> None:
        """Give the lease back (a no-op when someone else holds it now)."""
        query = (
            jobs.update()
            .where(jobs.c.id == job_id, jobs.c.run_id == holder(step, token))
            .values(run_id=None, lease_expires_at=None)
        )
        async with self.engine.begin() as conn:
            await conn.execute(query)

    async def break_lease(self, job_id: UUID, step: int) -> None:
        """Drop whatever lease the step has: its holder is presumed dead (the job stalled)."""
        query = (
            jobs.update()
            .where(at_step(job_id, step), jobs.c.run_id.is_not(None))
            .values(run_id=None, lease_expires_at=None)
        )
        async with self.engine.begin() as conn:
            await conn.execute(query)
