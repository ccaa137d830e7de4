"""Step commits (the heart of exactly-once) and reading a job's creators back."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from service.enums import JobStatus
from service.store.base import AT_STEP, StoreBase, param, status_columns, time_param
from service.store.leases import holder
from service.store.outbox import OutboxEntry, outbox_row
from service.store.records import KeyedCreator, StepChanges, Unset
from service.store.tables import scraping_jobs as jobs
from service.store.tables import scraping_results as results
from service.store.tables import step_outbox as outbox

# Set by a step when its StepChanges carries them (the others are left alone).
_OPTIONAL = ("progress", "cursor", "error", "search_params")


@functools.cache
def _advance(
    status: JobStatus | None, fields: tuple[str, ...], leased: bool, creators: bool
) -> sa.Update:
    """The conditional UPDATE that moves a job past its step, built once per shape.

    Parameters: b_job, b_step, b_now, b_runs, b_<field> for `fields`, b_holder when `leased`;
    with `creators`, b_keys (the batch's keys) and b_batch (how many): it then also counts the
    creators the job gains and returns where their positions start and how many it holds.
    """
    now = time_param("b_now")
    values: dict[str, Any] = {
        "step": jobs.c.step + 1,
        "updated_at": now,
        "consecutive_failures": 0,
        "run_id": None,
        "lease_expires_at": None,
        "processed_runs": jobs.c.processed_runs + param("b_runs", sa.Integer()),
        **status_columns(status, now),
    }
    for name in fields:
        values[name] = param(f"b_{name}", jobs.c[name].type)
    where = sa.and_(AT_STEP, jobs.c.run_id == param("b_holder")) if leased else AT_STEP
    if not creators:
        return jobs.update().where(where).values(values)
    mine = results.c.job_id == param("b_job")
    held = (
        sa.select(sa.func.count())
        .where(mine, results.c.creator_key.in_(sa.bindparam("b_keys", expanding=True)))
        .scalar_subquery()
    )
    values["processed_results"] = jobs.c.processed_results + param("b_batch", sa.Integer()) - held
    last = sa.select(sa.func.max(results.c.position)).where(mine).scalar_subquery()
    return jobs.update().where(where).values(values).returning(last, held)


def _insert_results(insert: Any) -> sa.Insert:
    # A creator the job already holds is skipped by the unique (job_id, creator_key).
    statement: sa.Insert = insert(results).on_conflict_do_nothing(
        index_elements=[results.c.job_id, results.c.creator_key]
    )
    return statement.returning(results.c.id)


_INSERT_RESULTS = {
    "postgresql": _insert_results(postgresql.insert),
    "sqlite": _insert_results(sqlite.insert),
}
_ADD_RESULTS = (
    jobs.update()
    .where(jobs.c.id == param("b_job"))
    .values(processed_results=jobs.c.processed_results + param("b_count", sa.Integer()))
)
_ADD_ENTRY = outbox.insert()


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

        In one transaction: move the job from `expected_step` to the next step (only if it
        is still at that step and pending/processing, and, given `token`, only while that run
        still holds the step's lease), insert the creators whose keys the job does not hold
        yet, apply `updates`, reset the failure streak, release the lease, add the inserted
        count to `processed_results` and record `next_step` in the outbox. Returns False,
        having written nothing, when the job has moved on (a duplicate, stale or concurrent
        delivery), is final, or the run lost its lease to another.

        Two or three statements: the UPDATE (which also counts the creators the job gains),
        the creators' INSERT, the outbox entry's INSERT.
        """
        changes = updates or StepChanges()
        now = self._clock.now()
        batch = _distinct(creators)
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
        if batch:
            values["b_keys"] = [creator.key for creator in batch]
            values["b_batch"] = len(batch)
        fields = tuple(name for name in _OPTIONAL if f"b_{name}" in values)
        advance = _advance(changes.status, fields, token is not None, bool(batch))
        insert_results = _INSERT_RESULTS[self.engine.dialect.name]

        def commit(conn: Connection) -> bool:
            # The conditional UPDATE comes first: it takes the row (PostgreSQL) or database
            # (SQLite) write lock, so a concurrent delivery of the same step waits and then
            # finds the step already moved on; under that lock its count of the creators the
            # job already holds is the one the INSERT meets.
            if not batch:
                if conn.execute(advance, values).rowcount != 1:
                    return False
            else:
                moved = conn.execute(advance, values).first()
                if moved is None:
                    return False
                last, held = moved
                position = -1 if last is None else int(last)
                rows = [
                    {
                        "job_id": job_id,
                        "position": position + i,
                        "creator_key": creator.key,
                        "creator": dict(creator.data),
                        "created_at": now,
                    }
                    for i, creator in enumerate(batch, start=1)
                ]
                inserted = len(conn.execute(insert_results, rows).all())
                if inserted != len(batch) - int(held):
                    # Never expected under the lock; the counter follows the rows regardless.
                    extra = inserted - (len(batch) - int(held))
                    conn.execute(_ADD_RESULTS, {"b_job": job_id, "b_count": extra})
            if next_step is not None:
                conn.execute(_ADD_ENTRY, outbox_row(next_step, now))
            return True

        return await self._transaction(commit)

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
