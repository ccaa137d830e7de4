"""Step commits (the heart of exactly-once) and reading a job's creators back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from service.store.base import StoreBase, param
from service.store.leases import holder
from service.store.outbox import OutboxEntry
from service.store.records import KeyedCreator, StepChanges, Unset
from service.store.step_writes import prepare
from service.store.tables import scraping_results as results

# Built once (keyword steps ask before paying for profiles): parameters b_job, b_keys.
_KNOWN = sa.select(results.c.creator_key).where(
    results.c.job_id == param("b_job"),
    results.c.creator_key.in_(sa.bindparam("b_keys", expanding=True)),
)


def _distinct(creators: Sequence[KeyedCreator]) -> list[KeyedCreator]:
    """The first creator of each key, in order (a page can list a creator twice)."""
    first: dict[str, KeyedCreator] = {}
    for creator in creators:
        first.setdefault(creator.key, creator)
    return list(first.values())


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

        Atomically: move the job from `expected_step` to the next step (only if it is still
        at that step and pending/processing, and, given `token`, only while that run still
        holds the step's lease), insert the creators whose keys the job does not hold yet,
        apply `updates`, reset the failure streak, release the lease, add the inserted count
        to `processed_results` and record `next_step` in the outbox. Returns False, having
        written nothing, when the job has moved on (a duplicate, stale or concurrent
        delivery), is final, or the run lost its lease to another.

        One statement on PostgreSQL, three in a transaction on SQLite (service.store.step_writes).
        """
        changes = updates or StepChanges()
        now = self._clock.now()
        values: dict[str, Any] = {
            "b_job": job_id,
            "b_step": expected_step,
            "b_now": now,
            "b_runs": changes.add_runs,
        }
        if changes.progress is not None:
            values["b_progress"] = changes.progress
        if not isinstance(changes.cursor, Unset):
            values["b_cursor"] = changes.cursor
        if not isinstance(changes.error, Unset):
            values["b_error"] = changes.error
        if not isinstance(changes.search_params, Unset):
            params = changes.search_params
            values["b_search_params"] = dict(params) if params is not None else None
        if token is not None:
            values["b_holder"] = holder(expected_step, token)
        commit = prepare(values, changes.status, _distinct(creators), next_step, now)
        work = commit.work(self.engine.dialect.name)
        if self.engine.dialect.name == "postgresql":
            return await self._statement(work)  # one statement: atomic on its own
        return await self._transaction(work)

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
        values = {"b_job": job_id, "b_keys": wanted}
        return await self._statement(lambda conn: set(conn.scalars(_KNOWN, values)))
