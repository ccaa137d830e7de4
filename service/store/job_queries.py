"""Job queries: create (idempotently), fetch, and conditional status changes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service.jobs.enums import JobStatus
from service.store.base import ACTIVE, StoreBase, at_step, job_from_row, status_columns
from service.store.records import UNSET, Job, NewJob, Unset
from service.store.tables import scraping_jobs as jobs


class JobQueries(StoreBase):
    async def create_job(self, new: NewJob) -> tuple[Job, bool]:
        """Insert a pending job; with an idempotency key already used by this user, return
        that job instead. The flag says whether a job was created."""
        now = self._clock.now()
        job_id = uuid.uuid4()
        values = {
            "id": job_id,
            "user_id": new.user_id,
            "kind": new.kind.value,
            "status": JobStatus.PENDING.value,
            "platform": new.kind.platform.value,
            "keywords": new.keywords,
            "target_username": new.target_username,
            "target_results": new.target_results,
            "campaign_id": new.campaign_id,
            "region": new.region,
            "search_params": dict(new.search_params) if new.search_params is not None else None,
            "idempotency_key": new.idempotency_key,
            "timeout_at": new.timeout_at,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(jobs.insert().values(**values))
        except IntegrityError:
            if new.idempotency_key is None:
                raise
            existing = await self._job_by_idempotency_key(new.user_id, new.idempotency_key)
            if existing is None:
                raise
            return existing, False
        job = await self.get_job(job_id)
        assert job is not None  # just inserted
        return job, True

    async def _job_by_idempotency_key(self, user_id: str, key: str) -> Job | None:
        query = sa.select(jobs).where(jobs.c.user_id == user_id, jobs.c.idempotency_key == key)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else job_from_row(row)

    async def get_job(self, job_id: UUID) -> Job | None:
        """Any user's job: for the webhook, which acts on QStash's behalf."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(jobs).where(jobs.c.id == job_id))).first()
        return None if row is None else job_from_row(row)

    async def get_job_for_user(self, user_id: str, job_id: UUID) -> Job | None:
        """The user's job; another user's job is None, exactly like a missing one."""
        query = sa.select(jobs).where(jobs.c.id == job_id, jobs.c.user_id == user_id)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else job_from_row(row)

    async def list_campaign_jobs(self, user_id: str, campaign_id: UUID) -> list[Job]:
        query = (
            sa.select(jobs)
            .where(jobs.c.campaign_id == campaign_id, jobs.c.user_id == user_id)
            .order_by(jobs.c.created_at, jobs.c.id)
        )
        async with self.engine.connect() as conn:
            return [job_from_row(row) for row in await conn.execute(query)]

    async def set_message_id(self, job_id: UUID, message_id: str) -> None:
        """The job's first message (the publisher notes every queued one on its own)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                jobs.update().where(jobs.c.id == job_id).values(qstash_message_id=message_id)
            )

    async def remember_queued_message(self, job_id: UUID, message_id: str) -> bool:
        """Note the message of the step just queued, while the job is active; False only when
        the job is final (e.g. cancelled while the message was being published)."""
        query = (
            jobs.update()
            .where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE))
            .values(queued_message_id=message_id)
        )
        async with self.engine.begin() as conn:
            if (await conn.execute(query)).rowcount == 1:
                return True
            status = await conn.scalar(sa.select(jobs.c.status).where(jobs.c.id == job_id))
        # An unknown job is not final: its message is left to be refused on delivery.
        return status is None or status in ACTIVE

    async def cancel_job(self, user_id: str, job_id: UUID) -> Job | None:
        """Move the user's job from an active status to `cancelled` in one conditional UPDATE.

        Returns the cancelled job (its `queued_message_id` as it was at that moment), or None
        when the job is not the user's, does not exist or is already final.
        """
        now = self._clock.now()
        query = (
            jobs.update()
            .where(jobs.c.id == job_id, jobs.c.user_id == user_id, jobs.c.status.in_(ACTIVE))
            .values(updated_at=now, **status_columns(JobStatus.CANCELLED, now))
            .returning(*jobs.c)
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else job_from_row(row)

    async def record_failure(self, job_id: UUID, expected_step: int, *, error: str) -> int | None:
        """Count one more failed attempt at `expected_step` (the step stays put).

        Returns the new streak length, or None when the job has moved on or is final.
        """
        query = (
            jobs.update()
            .where(at_step(job_id, expected_step))
            .values(
                consecutive_failures=jobs.c.consecutive_failures + 1,
                error=error,
                updated_at=self._clock.now(),
            )
            .returning(jobs.c.consecutive_failures)
        )
        async with self.engine.begin() as conn:
            streak = (await conn.execute(query)).scalar_one_or_none()
        return None if streak is None else int(streak)

    async def mark_status(
        self,
        job_id: UUID,
        status: JobStatus,
        *,
        error: str | Unset | None = UNSET,
    ) -> bool:
        """Set `status` if the job is still active (not final); True when it changed."""
        now = self._clock.now()
        values: dict[str, Any] = {"updated_at": now, **status_columns(status, now)}
        if not isinstance(error, Unset):
            values["error"] = error
        query = jobs.update().where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE)).values(**values)
        async with self.engine.begin() as conn:
            return (await conn.execute(query)).rowcount == 1

    async def expire_if_overdue(self, job_id: UUID, *, error: str) -> bool:
        """Mark an active job past its `timeout_at` as timed out; True when it changed."""
        now = self._clock.now()
        query = (
            jobs.update()
            .where(
                jobs.c.id == job_id,
                jobs.c.status.in_(ACTIVE),
                jobs.c.timeout_at <= now,
            )
            .values(error=error, updated_at=now, **status_columns(JobStatus.TIMEOUT, now))
        )
        async with self.engine.begin() as conn:
            return (await conn.execute(query)).rowcount == 1

    async def find_overdue(self, *, limit: int = 100) -> list[Job]:
        """Active jobs whose `timeout_at` has passed."""
        query = (
            sa.select(jobs)
            .where(jobs.c.status.in_(ACTIVE), jobs.c.timeout_at <= self._clock.now())
            .order_by(jobs.c.timeout_at)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [job_from_row(row) for row in await conn.execute(query)]

    async def find_stalled(self, idle: timedelta, *, limit: int = 100) -> list[Job]:
        """Active jobs, not overdue, with no update for at least `idle`."""
        now = self._clock.now()
        query = (
            sa.select(jobs)
            .where(
                jobs.c.status.in_(ACTIVE),
                jobs.c.updated_at <= now - idle,
                jobs.c.timeout_at > now,
            )
            .order_by(jobs.c.updated_at)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            return [job_from_row(row) for row in await conn.execute(query)]

    async def touch(self, job_id: UUID, expected_step: int) -> bool:
        """Refresh `updated_at` (a revived job is not stalled again at once)."""
        query = (
            jobs.update().where(at_step(job_id, expected_step)).values(updated_at=self._clock.now())
        )
        async with self.engine.begin() as conn:
            return (await conn.execute(query)).rowcount == 1

    async def count_jobs_by_status(self) -> dict[JobStatus, int]:
        query = sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status)
        async with self.engine.connect() as conn:
            return {JobStatus(status): int(n) for status, n in await conn.execute(query)}
