"""A step's commit as SQL, built once per shape: three statements in one transaction on SQLite,
one statement on PostgreSQL (data-modifying WITH), with the same effect.

The effect (see StepQueries.commit_step): only while the job waits for the step (and the run
holds its lease), move it to the next step with the step's changes; insert the creators it
does not hold yet, after its last position, counting them into `processed_results`; record the
next step's outbox entry. Nothing at all when the job has moved on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from service.jobs.enums import JobStatus
from service.store.base import AT_STEP, param, status_columns, time_param
from service.store.outbox import OutboxEntry, outbox_row
from service.store.records import KeyedCreator
from service.store.tables import scraping_jobs as jobs
from service.store.tables import scraping_results as results
from service.store.tables import step_outbox as outbox
from service.store.types import StorableJSON, StorableText

# Set by a step when its StepChanges carries them (the others are left alone).
OPTIONAL = ("progress", "cursor", "error", "search_params")
RESULT_COLUMNS = ("job_id", "position", "creator_key", "creator", "created_at")


@dataclass(frozen=True, slots=True)
class Shape:
    """What changes the SQL of a commit (its parameters aside)."""

    status: JobStatus | None
    fields: tuple[str, ...]  # the OPTIONAL columns the step sets
    leased: bool  # only while the run holding b_holder has the lease
    creators: bool
    queued: bool  # a next step for the outbox


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit's shape and parameters; `work` for the engine runs it on a connection."""

    shape: Shape
    values: dict[str, Any]
    batch: Sequence[KeyedCreator]
    next_step: OutboxEntry | None
    now: datetime

    def work(self, dialect: str) -> Callable[[Connection], bool]:
        if dialect == "postgresql":
            return self._at_once
        return self._in_steps

    def _in_steps(self, conn: Connection) -> bool:
        """SQLite: the UPDATE first (it takes the database's write lock), then the INSERTs."""
        shape, values, job_id = self.shape, self.values, self.values["b_job"]
        advance = _advance_in_steps(shape)
        if not shape.creators:
            if conn.execute(advance, values).rowcount != 1:
                return False
        else:
            moved = conn.execute(advance, values).first()
            if moved is None:
                return False
            last, held = moved
            start = -1 if last is None else int(last)
            rows = [
                dict(zip(RESULT_COLUMNS, row, strict=True))
                for row in _result_rows(job_id, start, self.batch, self.now)
            ]
            inserted = len(conn.execute(_INSERT_RESULTS, rows).all())
            _keep_count_exact(conn, job_id, inserted, len(self.batch) - int(held))
        if self.next_step is not None:
            conn.execute(outbox.insert(), outbox_row(self.next_step, self.now))
        return True

    def _at_once(self, conn: Connection) -> bool:
        """PostgreSQL: one statement; its UPDATE takes the job's row lock before the rest."""
        values = dict(self.values)
        if self.shape.creators:
            values["b_creators"] = [dict(creator.data) for creator in self.batch]
        if self.next_step is not None:
            entry = self.next_step
            values.update(
                b_entry=entry.dedup_id,
                b_next=entry.step,
                b_attempt=entry.attempt,
                b_due=entry.due_at,
            )
        row = conn.execute(_at_once(self.shape), values).one()
        if not row.moved:
            return False
        if self.shape.creators:
            _keep_count_exact(conn, values["b_job"], row.added, len(self.batch) - row.held)
        return True


def prepare(
    values: dict[str, Any],
    status: JobStatus | None,
    batch: Sequence[KeyedCreator],
    next_step: OutboxEntry | None,
    now: datetime,
) -> Commit:
    """`values` holds b_job, b_step, b_now, b_runs, b_<field> for each OPTIONAL field set and
    b_holder when the commit needs the lease."""
    if batch:
        values["b_keys"] = [creator.key for creator in batch]
        values["b_batch"] = len(batch)
    shape = Shape(
        status=status,
        fields=tuple(name for name in OPTIONAL if f"b_{name}" in values),
        leased="b_holder" in values,
        creators=bool(batch),
        queued=next_step is not None,
    )
    return Commit(shape, values, batch, next_step, now)


def _result_rows(
    job_id: Any, last: int, batch: Sequence[KeyedCreator], now: datetime
) -> list[tuple[Any, ...]]:
    return [
        (job_id, last + i, creator.key, dict(creator.data), now)
        for i, creator in enumerate(batch, start=1)
    ]


def _held(keys_match: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    """How many of the batch's creators the job holds already."""
    return (
        sa.select(sa.func.count())
        .where(results.c.job_id == param("b_job"), keys_match)
        .scalar_subquery()
    )


def _last_position() -> sa.ScalarSelect[Any]:
    return (
        sa.select(sa.func.max(results.c.position))
        .where(results.c.job_id == param("b_job"))
        .scalar_subquery()
    )


@functools.cache
def _advance_in_steps(shape: Shape) -> sa.Update:
    """SQLite's UPDATE; with creators it returns their last position and how many are held."""
    if not shape.creators:
        return _build_advance(shape, None)
    held = _held(results.c.creator_key.in_(sa.bindparam("b_keys", expanding=True)))
    return _build_advance(shape, held).returning(_last_position(), held)


def _build_advance(shape: Shape, held: sa.ScalarSelect[int] | None) -> sa.Update:
    """The conditional UPDATE that moves the job past its step."""
    now = time_param("b_now")
    values: dict[str, Any] = {
        "step": jobs.c.step + 1,
        "updated_at": now,
        "consecutive_failures": 0,
        "run_id": None,
        "lease_expires_at": None,
        "processed_runs": jobs.c.processed_runs + param("b_runs", sa.Integer()),
        **status_columns(shape.status, now),
    }
    for name in shape.fields:
        values[name] = param(f"b_{name}", jobs.c[name].type)
    if held is not None:
        # Under the lock the UPDATE takes, the INSERT then skips exactly the creators held.
        values["processed_results"] = (
            jobs.c.processed_results + param("b_batch", sa.Integer()) - held
        )
    where = sa.and_(AT_STEP, jobs.c.run_id == param("b_holder")) if shape.leased else AT_STEP
    return jobs.update().where(where).values(values)


def _keys_array() -> sa.BindParameter[Any]:
    # PostgreSQL takes the batch as arrays: the keys once, for the count and the INSERT.
    return sa.bindparam("b_keys", type_=postgresql.ARRAY(StorableText()))


def _insert_results() -> sa.Insert:
    # A creator the job already holds is skipped by the unique (job_id, creator_key).
    statement = sqlite.insert(results).on_conflict_do_nothing(
        index_elements=[results.c.job_id, results.c.creator_key]
    )
    return statement.returning(results.c.id)


_INSERT_RESULTS = _insert_results()
_ADD_RESULTS = (
    jobs.update()
    .where(jobs.c.id == param("b_job"))
    .values(processed_results=jobs.c.processed_results + param("b_count", sa.Integer()))
)


def _keep_count_exact(conn: Connection, job_id: Any, inserted: int, expected: int) -> None:
    # Never expected under the job's lock; should it happen, the counter follows the rows.
    if inserted != expected:
        conn.execute(_ADD_RESULTS, {"b_job": job_id, "b_count": inserted - expected})


@functools.cache
def _at_once(shape: Shape) -> sa.Select[Any]:
    """PostgreSQL's commit in one statement: WITH moved AS (UPDATE ... RETURNING), added AS
    (INSERT creators ... FROM moved), queued AS (INSERT outbox entry ... FROM moved): the
    INSERTs take their rows from `moved`, so they write nothing when the UPDATE matched none.
    """
    now = time_param("b_now")
    held = _held(results.c.creator_key == sa.any_(_keys_array())) if shape.creators else None
    returned: list[Any] = [jobs.c.id]
    if held is not None:
        returned += [_last_position().label("last"), held.label("held")]
    moved = _build_advance(shape, held).returning(*returned).cte("moved")
    columns: list[Any] = [sa.select(sa.func.count()).select_from(moved).scalar_subquery()]
    names = ["moved"]
    ctes = []
    if shape.creators:
        batch = (
            sa.func.unnest(
                _keys_array(), sa.bindparam("b_creators", type_=postgresql.ARRAY(StorableJSON()))
            )
            .table_valued("creator_key", "creator", with_ordinality="n")
            .render_derived(name="batch", with_types=False)
        )
        rows = sa.select(
            moved.c.id,
            sa.func.coalesce(moved.c.last, -1) + batch.c.n,
            batch.c.creator_key,
            batch.c.creator,
            now,
        ).select_from(moved.join(batch, sa.true()))
        added = (
            postgresql.insert(results)
            .from_select(list(RESULT_COLUMNS), rows)
            .on_conflict_do_nothing(index_elements=[results.c.job_id, results.c.creator_key])
            .returning(results.c.id)
            .cte("added")
        )
        columns += [
            sa.select(sa.func.count()).select_from(added).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.max(moved.c.held), 0)).scalar_subquery(),
        ]
        names += ["added", "held"]
    if shape.queued:
        entry = sa.select(
            param("b_entry", sa.Text()),
            moved.c.id,
            param("b_next", sa.Integer()),
            param("b_attempt", sa.Integer()),
            time_param("b_due"),
            now,
        ).select_from(moved)
        ctes.append(
            outbox.insert()
            .from_select(["dedup_id", "job_id", "step", "attempt", "due_at", "created_at"], entry)
            .cte("queued")
        )
    statement = sa.select(*(c.label(n) for c, n in zip(columns, names, strict=True)))
    # `queued` is read by nothing, yet PostgreSQL runs every data-modifying WITH in full.
    return statement.add_cte(*ctes) if ctes else statement
