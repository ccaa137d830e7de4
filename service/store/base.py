"""Shared plumbing of the store's query groups: engine, clock and row conversion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from service.clock import Clock
from service.jobs.enums import ACTIVE_STATUSES, FINAL_STATUSES, JobKind, JobStatus, Platform
from service.store.engine import single_statement_engine
from service.store.records import Job
from service.store.tables import scraping_jobs as jobs
from service.store.threaded import beside
from service.store.types import UTCDateTime

T = TypeVar("T")

ACTIVE = [status.value for status in ACTIVE_STATUSES]
# The same test with the statuses written into the SQL: the hot statements are built once, and
# an IN list bound as a parameter would be expanded again on every execution.
IS_ACTIVE = jobs.c.status.in_([sa.literal_column(f"'{status}'") for status in sorted(ACTIVE)])


def at_step(job_id: UUID, step: int) -> sa.ColumnElement[bool]:
    """The job, only while it waits for `step` and is still pending or processing."""
    return sa.and_(jobs.c.id == job_id, jobs.c.step == step, jobs.c.status.in_(ACTIVE))


def param(name: str, type_: Any = None) -> sa.BindParameter[Any]:
    """A named parameter of a statement built once (its values come with each execution)."""
    return sa.bindparam(name, type_=type_)


def time_param(name: str) -> sa.BindParameter[datetime]:
    return sa.bindparam(name, type_=UTCDateTime())


# `at_step` for statements built once: parameters `b_job` and `b_step`.
AT_STEP = sa.and_(jobs.c.id == param("b_job"), jobs.c.step == param("b_step"), IS_ACTIVE)


def _in_transaction(conn: Connection, work: Callable[[Connection], T]) -> T:
    with conn.begin():
        return work(conn)


class StoreBase:
    """Holds what every query group needs; timestamps always come from the injected clock."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self._single = single_statement_engine(engine)
        self._threaded = beside(engine.sync_engine)
        self._clock = clock

    @property
    def sync_engines(self) -> list[Engine]:
        """Every synchronous engine the store's statements go through: where SQLAlchemy event
        listeners (statement counts, tracing) are attached."""
        engines = [self.engine.sync_engine]
        if self._threaded is not None:
            engines.append(self._threaded.engine)
        return engines

    async def _transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work`, a synchronous function, in one transaction.

        A webhook step's writes are a few small statements, where the async layers cost more
        than the statements: SQLite runs `work` whole in a worker thread (see
        service.store.threaded); other engines run it on one greenlet, its statements going
        straight to the driver instead of through the async API one by one.
        """
        if self._threaded is not None:
            return await self._threaded.run(work, single=False)
        async with self.engine.connect() as conn:
            return await conn.run_sync(_in_transaction, work)

    async def _statement(self, work: Callable[[Connection], T]) -> T:
        """Run `work`, which sends one statement (or statements independent of each other),
        as `_transaction` does but without a transaction around it: see
        `single_statement_engine`."""
        if self._threaded is not None:
            return await self._threaded.run(work, single=True)
        async with self._single.connect() as conn:
            return await conn.run_sync(_in_transaction, work)


def job_from_row(row: sa.Row[Any]) -> Job:
    values = dict(row._mapping)
    values.update(
        kind=JobKind(values["kind"]),
        status=JobStatus(values["status"]),
        platform=Platform(values["platform"]),
    )
    return Job(**values)


def status_columns(
    status: JobStatus | None, now: datetime | sa.BindParameter[datetime]
) -> dict[str, Any]:
    if status is None:
        return {}
    values: dict[str, Any] = {"status": status.value}
    if status is JobStatus.PROCESSING:
        values["started_at"] = sa.func.coalesce(jobs.c.started_at, now)
    if status in FINAL_STATUSES:
        values["completed_at"] = now
    return values
