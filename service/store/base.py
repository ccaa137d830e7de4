"""Shared plumbing of the store's query groups: engine, clock and row conversion."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from service.clock import Clock
from service.jobs.enums import ACTIVE_STATUSES, FINAL_STATUSES, JobKind, JobStatus, Platform
from service.store.records import Job
from service.store.tables import scraping_jobs as jobs

ACTIVE = [status.value for status in ACTIVE_STATUSES]


def at_step(job_id: UUID, step: int) -> sa.ColumnElement[bool]:
    """The job, only while it waits for `step` and is still pending or processing."""
    return sa.and_(jobs.c.id == job_id, jobs.c.step == step, jobs.c.status.in_(ACTIVE))


class StoreBase:
    """Holds what every query group needs; timestamps always come from the injected clock."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self._clock = clock


def job_from_row(row: sa.Row[Any]) -> Job:
    values = dict(row._mapping)
    values.update(
        kind=JobKind(values["kind"]),
        status=JobStatus(values["status"]),
        platform=Platform(values["platform"]),
    )
    return Job(**values)


def status_columns(status: JobStatus | None, now: datetime) -> dict[str, Any]:
    if status is None:
        return {}
    values: dict[str, Any] = {"status": status.value}
    if status is JobStatus.PROCESSING:
        values["started_at"] = sa.func.coalesce(jobs.c.started_at, now)
    if status in FINAL_STATUSES:
        values["completed_at"] = now
    return values
