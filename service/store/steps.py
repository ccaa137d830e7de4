"""Step commits (the heart of exactly-once) and reading a job's creators back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.store.base import StoreBase, at_step, status_columns
from service.store.leases import holder
from service.store.outbox import OutboxEntry, outbox_row
from service.store.records import KeyedCreator, StepChanges, Unset
from service.store.tables import scraping_jobs as jobs
from service.store.tables import scraping_results as results
from service.store.tables import step_outbox as outbox


class StepQueries(StoreBase):
    async def commit_step(
        self,
        job_id: UUID,
        expected_step: int,
        *,
        creators: Sequence[KeyedCreator] = (),
        updates: StepChanges | None = None,
        token: str | None = None,
        next_step: OutboxEntry | None = None,
    ) -> bool:
        """Apply one step's writes exactly once.

        In one transaction: move the job from `expected_step` to the next step (only if it
        is still at that step and pending/processing, and, given `token`, only while that run
        still holds the step's lease), insert the creators whose keys the job does not hold
        yet, apply `updates`, reset the failure streak, release the lease, add the inserted
        count to `processed_results` and record `next_step` in the outbox. Returns False,
        having written nothing, when the job has moved on (a duplicate, stale or concurrent
        delivery), is final, or the run lost its lease to another.
        """
        changes = updates or StepChanges()
        now = self._clock.now()
        values: dict[str, Any] = {
            "step": jobs.c.step + 1,
            "updated_at": now,
            "consecutive_failures": 0,
            "run_id": None,
            "lease_expires_at": None,
            "processed_runs": jobs.c.processed_runs + changes.add_runs,
            **status_columns(changes.status, now),
        }
        if changes.progress is not None:
            values["progress"] = changes.progress
        if not isinstance(changes.cursor, Unset):
            values["cursor"] = changes.cursor
        if not isinstance(changes.error, Unset):
            values["error"] = changes.error
        if not isinstance(changes.search_params, Unset):
            params = changes.search_params
            values["search_params"] = dict(params) if params is not None else None
        where = at_step(job_id, expected_step)
        if token is not None:
            where = sa.and_(where, jobs.c.run_id == holder(expected_step, token))
        claim = jobs.update().where(where).values(**values)
        async with self.engine.begin() as conn:
            # The conditional UPDATE comes first: it takes the row (PostgreSQL) or database
            # (SQLite) write lock, so a concurrent delivery of the same step waits and then
            # finds the step already moved on.
            if (await conn.execute(claim)).rowcount != 1:
                return False
            inserted = await self._insert_creators(conn, job_id, creators, now)
            if inserted:
                await conn.execute(
                    jobs.update()
                    .where(jobs.c.id == job_id)
                    .values(processed_results=jobs.c.processed_results + inserted)
                )
            if next_step is not None:
                await conn.execute(outbox.insert().values(**outbox_row(next_step, now)))
        return True

    async def _insert_creators(
        self, conn: AsyncConnection, job_id: UUID, creators: Sequence[KeyedCreator], now: datetime
    ) -> int:
        if not creators:
            return 0
        keys = [creator.key for creator in creators]
        present = await conn.execute(
            sa.select(results.c.creator_key).where(
                results.c.job_id == job_id, results.c.creator_key.in_(keys)
            )
        )
        seen = set(present.scalars())
        highest = await conn.scalar(
            sa.select(sa.func.max(results.c.position)).where(results.c.job_id == job_id)
        )
        position = -1 if highest is None else int(highest)
        rows = []
        for creator in creators:
            if creator.key in seen:
                continue
            seen.add(creator.key)
            position += 1
            rows.append(
                {
                    "job_id": job_id,
                    "position": position,
                    "creator_key": creator.key,
                    "creator": dict(creator.data),
                    "created_at": now,
                }
            )
        if rows:
            await conn.execute(results.insert(), rows)
        return len(rows)

    async def list_results(
        self, job_id: UUID, *, offset: int = 0, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The job's creators in the order they were found."""
        query = (
            sa.select(results.c.creator)
            .where(results.c.job_id == job_id)
            .order_by(results.c.position)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self.engine.connect() as conn:
            return [dict(creator) for creator in (await conn.execute(query)).scalars()]

    async def count_results(self, job_id: UUID) -> int:
        query = sa.select(sa.func.count()).select_from(results).where(results.c.job_id == job_id)
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def known_creator_keys(self, job_id: UUID, keys: Iterable[str]) -> set[str]:
        """Which of `keys` the job already holds (to skip profile calls for known creators)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return set()
        query = sa.select(results.c.creator_key).where(
            results.c.job_id == job_id, results.c.creator_key.in_(wanted)
        )
        async with self.engine.connect() as conn:
            return set((await conn.execute(query)).scalars())
