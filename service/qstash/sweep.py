"""The sweeper (time-outs, revivals, retention of finished jobs) and its QStash schedule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import httpx
from aiohttp import web
from qstash.errors import QStashError

from service.clock import Clock
from service.config.defaults import CLEANUP
from service.config.dynamic import DynamicConfig
from service.config.values import NumberKey
from service.jobs.enums import JobStatus
from service.jobs.policy import STALLED_AFTER, TIMEOUT_MESSAGE
from service.logs import get_logger
from service.metrics import Metrics
from service.qstash.outbox import Outbox
from service.qstash.publisher import Publisher, PublishError
from service.store import Store

log = get_logger("service.qstash.sweep")

SCHEDULE_ID = "creator-scout-sweep"
EVERY_MINUTE = "* * * * *"
BATCH = 100
# At most this many finished jobs are deleted per sweep, so one sweep stays short even when a
# retention was just lowered; the next sweeps (every minute) take the rest.
DELETE_BATCH = 100

RETENTION: dict[JobStatus, NumberKey] = {
    JobStatus.COMPLETED: CLEANUP.completed_jobs_retention_days,
    JobStatus.ERROR: CLEANUP.error_jobs_retention_days,
    JobStatus.TIMEOUT: CLEANUP.timeout_jobs_retention_days,
    JobStatus.CANCELLED: CLEANUP.cancelled_jobs_retention_days,
}


class _Schedules(Protocol):
    """The one call of `AsyncQStash.schedule` the registration makes, as the SDK spells it."""

    async def create_json(
        self,
        *,
        destination: str,
        cron: str,
        body: Any | None = None,
        retries: int | None = None,
        schedule_id: str | None = None,
    ) -> str: ...


class SchedulingClient(Protocol):
    """The part of `qstash.AsyncQStash` the sweep registration uses."""

    @property
    def schedule(self) -> _Schedules: ...


@dataclass(frozen=True, slots=True)
class Sweeper:
    store: Store
    publisher: Publisher
    config: DynamicConfig
    clock: Clock
    metrics: Metrics
    outbox: Outbox

    async def sweep(self) -> dict[str, int]:
        """One pass; returns how many jobs were timed out, re-queued and deleted, and how many
        next steps left unsent after their commit were published."""
        # First: a job whose next step only waits in the outbox is not stalled, just unsent.
        published = (await self.outbox.flush()).sent
        timed_out = 0
        for job in await self.store.find_overdue(limit=BATCH):
            if await self.store.expire_if_overdue(job.id, error=TIMEOUT_MESSAGE):
                timed_out += 1
                log.info("job_timed_out", job_id=str(job.id), step=job.step)
        idle = timedelta(seconds=await self.config.get(STALLED_AFTER))
        requeued = 0
        for job in await self.store.find_stalled(idle, limit=BATCH):
            # touch() is conditional on the step: a job that moved on meanwhile is left alone,
            # and a revived job is not picked again by the next sweep straight away.
            if not await self.store.touch(job.id, job.step):
                continue
            await self.store.break_lease(job.id, job.step)
            # A revival needs a deduplication id of its own: the sweep time makes it unique.
            revival = int(self.clock.now().timestamp())
            try:
                await self.publisher.publish_step(job.id, job.step, revival=revival)
            except PublishError:
                continue  # logged by the publisher; the next sweep tries again
            requeued += 1
            log.info("job_requeued", job_id=str(job.id), step=job.step)
        return {
            "timedOut": timed_out,
            "requeued": requeued,
            "deleted": await self._clean_up(),
            "published": published,
        }

    async def _clean_up(self) -> int:
        """Delete one batch of finished jobs past their status's retention (0 days: kept)."""
        now = self.clock.now()
        cutoffs = {}
        for status, key in RETENTION.items():
            days = await self.config.get(key)
            if days > 0:
                cutoffs[status] = now - timedelta(days=days)
        deleted = await self.store.delete_finished(cutoffs, limit=DELETE_BATCH)
        for status, count in deleted.items():
            self.metrics.jobs_deleted.labels(status=status.value).inc(count)
            log.info("jobs_deleted", status=status.value, count=count)
        return sum(deleted.values())


async def register_schedule(client: SchedulingClient, sweep_url: str) -> bool:
    """Create or update the every-minute sweep schedule; a failure is a warning, not fatal."""
    try:
        await client.schedule.create_json(
            destination=sweep_url, cron=EVERY_MINUTE, body={}, schedule_id=SCHEDULE_ID, retries=0
        )
    except (QStashError, httpx.HTTPError, OSError) as error:
        log.warning("sweep_schedule_failed", schedule_id=SCHEDULE_ID, reason=str(error))
        return False
    log.info("sweep_schedule_registered", schedule_id=SCHEDULE_ID, url=sweep_url)
    return True


def register_on_start(
    client: SchedulingClient, sweep_url: str
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An app start-up step: register the sweep schedule (a failure is logged, not fatal)."""

    async def register(_: web.Application) -> AsyncIterator[None]:
        await register_schedule(client, sweep_url)
        yield

    return register
