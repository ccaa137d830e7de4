"""Relaying the step outbox to QStash: publish an entry and mark it sent; flush what is left."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple
from uuid import UUID

from aiohttp import web

from service.clock import Clock
from service.logs import get_logger
from service.metrics import Metrics
from service.qstash.publisher import Publisher, PublishError, deduplication_id
from service.store import Store
from service.store.outbox import OutboxEntry

log = get_logger("service.qstash.outbox")

# One flush publishes at most this many entries, so a start-up or a sweep stays short.
BATCH = 100


class Flushed(NamedTuple):
    sent: int
    failed: bool  # QStash refused one: it and the rest are still unsent


@dataclass(frozen=True, slots=True)
class Outbox:
    store: Store
    publisher: Publisher
    clock: Clock
    metrics: Metrics

    def entry(self, job_id: UUID, step: int, *, delay_seconds: float) -> OutboxEntry:
        """The entry for `step` of a job, due `delay_seconds` from now.

        Its id is the deduplication id publish_step derives, so QStash drops a second publish.
        """
        due = self.clock.now() + timedelta(seconds=delay_seconds)
        return OutboxEntry(deduplication_id(job_id, step), job_id, step, 0, due)

    async def send(self, entry: OutboxEntry) -> bool:
        """Publish `entry` and mark it sent.

        False when QStash could not take it (logged and counted): the entry stays unsent for
        whoever flushes next (a later delivery of the step, the sweeper, a starting instance).
        """
        # A late publish waits only for what is left of the step's delay.
        delay = max(0.0, (entry.due_at - self.clock.now()).total_seconds())
        try:
            message_id = await self.publisher.publish_step(
                entry.job_id, entry.step, delay_seconds=delay, attempt=entry.attempt
            )
        except PublishError as error:
            self.metrics.publish_failures.inc()
            log.warning(
                "next_step_not_queued",
                job_id=str(entry.job_id),
                step=entry.step,
                reason=str(error),
            )
            return False
        await self.store.mark_sent(entry.dedup_id, message_id)
        return True

    async def flush(self, *, job_id: UUID | None = None, limit: int = BATCH) -> Flushed:
        """Publish unsent entries, oldest first (only `job_id`'s when given).

        Stops at the first failure: QStash is away, and the rest would fail the same way.
        """
        sent, failed = 0, False
        for entry in await self.store.unsent(limit=limit, job_id=job_id):
            if not await self.send(entry):
                failed = True
                break
            sent += 1
        if sent:
            log.info("outbox_flushed", count=sent, job_id=None if job_id is None else str(job_id))
        return Flushed(sent, failed)


def flush_on_start(outbox: Outbox) -> Callable[[web.Application], AsyncIterator[None]]:
    """A starting instance publishes next steps left unsent (by a crash or a QStash outage).

    In the background: start-up must not wait on QStash, which may be the one that is away.
    """

    async def flush(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(outbox.flush())
        yield
        if not task.done():
            task.cancel()
        # Its outcome is logged by the outbox; a crash of the flush must not stop the shutdown.
        await asyncio.gather(task, return_exceptions=True)

    return flush
