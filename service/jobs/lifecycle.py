"""One delivered step of a job: run its kind, commit exactly once, queue the next or finish."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from service.clock import Clock
from service.config.defaults import QSTASH_MAX_DELAY_SECONDS
from service.config.dynamic import DynamicConfig
from service.errors import Conflict, NotFound, Unavailable
from service.jobs.enums import JobKind, JobStatus
from service.jobs.platforms import (
    instagram_similar,
    tiktok_keyword,
    tiktok_similar,
    youtube_keyword,
    youtube_similar,
)
from service.jobs.platforms.base import JobFailed, StepContext, StepResult
from service.jobs.platforms.profiles import Profiles
from service.jobs.policy import (
    HEARTBEAT_EVERY,
    MAX_FAILURES,
    REQUEUE_AFTER,
    RETRY_BASE,
    RETRY_MAX,
    STEP_LEASE,
    TIMEOUT_MESSAGE,
)
from service.logs import get_logger
from service.metrics import Metrics
from service.qstash.outbox import Outbox
from service.qstash.publisher import STEP_RETRIES, Publisher
from service.scrapecreators.client import ScrapeCreatorsClient
from service.scrapecreators.errors import FatalError, RetryableError
from service.store import Job, StepChanges, Store

log = get_logger("service.jobs.lifecycle")

# Outcomes after which the step's lease is moot (the job is past that step or final).
MOVED_ON = frozenset({"committed", "completed", "failed", "timeout", "stale"})

Step = Callable[[StepContext], Awaitable[StepResult]]

STEPS: dict[JobKind, Step] = {
    JobKind.TIKTOK_KEYWORD: tiktok_keyword.run,
    JobKind.TIKTOK_SIMILAR: tiktok_similar.run,
    JobKind.INSTAGRAM_SIMILAR: instagram_similar.run,
    JobKind.YOUTUBE_KEYWORD: youtube_keyword.run,
    JobKind.YOUTUBE_SIMILAR: youtube_similar.run,
}


class StepBusy(Conflict):
    """Another live run holds the step's lease: QStash is to bring this delivery back later.

    QStash retries every non-2xx answer except 489 and waits as `Retry-After` says, so the
    message stays alive and returns when the lease ends, in case its holder died meanwhile.
    409 (not 503) because nothing is wrong with the service: the step is in use, a conflict
    with the job's current state, and it does not count as a server error in the metrics.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__("another delivery is working on this step", retry_after=retry_after)


class NextStepPending(Unavailable):
    """The step committed, but QStash did not take its next step (it stays in the outbox).

    503 with `Retry-After`: QStash brings this step back soon, and that delivery publishes the
    outbox entry once QStash can take it.
    """

    def __init__(self, step: int) -> None:
        super().__init__(
            f"step {step} is saved but the next step is not queued yet", retry_after=REQUEUE_AFTER
        )


def backoff_seconds(attempt: int, *, base: float, cap: float, retry_after: float | None) -> float:
    """Exponential from `base`, capped; a server's `Retry-After` is never undercut.

    A `Retry-After` beyond the longest delay QStash accepts is cut to it: QStash would refuse
    the publish, and the step would fail instead of waiting.
    """
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, QSTASH_MAX_DELAY_SECONDS)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    store: Store
    publisher: Publisher
    config: DynamicConfig
    clock: Clock
    api: ScrapeCreatorsClient
    profiles: Profiles
    metrics: Metrics
    outbox: Outbox

    async def run_step(
        self, job_id: UUID, step: int, *, message_id: str, retried: int = 0
    ) -> dict[str, Any]:
        """Handle one delivery of `step`; the returned dict is the webhook's 200 body.

        Raises NotFound for an unknown job: no retry can find it, so the webhook answers it as
        QStash's non-retryable failure. Raises StepBusy while another run holds the step, and
        NextStepPending when the step committed but its next step is not queued: both ask
        QStash to deliver again later, except on the message's last attempt (`retried` is
        QStash's count), where a failure would end in the DLQ and fail the job through the
        failure callback; the sweeper covers that rare case. Anything unexpected propagates
        (the webhook answers 500, QStash retries, and the step is safe to run again).
        """
        fields = {"job_id": str(job_id), "message_id": message_id, "step": step}
        retry_later = retried < STEP_RETRIES
        token = uuid4().hex
        # Claiming first keeps the common case at two transactions (claim, commit); the
        # reasons for a refused claim are only looked up when there is one.
        job = await self.store.claim_step(job_id, step, token, lease=STEP_LEASE)
        if job is None:
            return await self._refused(job_id, step, fields, retry_later=retry_later)
        started = time.perf_counter()
        outcome, extra = "error", dict[str, Any]()
        try:
            async with self._heartbeat(job.id, step, token):
                if job.timeout_at <= self.clock.now():
                    await self.store.expire_if_overdue(job.id, error=TIMEOUT_MESSAGE)
                    outcome = "timeout"
                else:
                    outcome, extra = await self._attempt(job, step, token)
        finally:
            if outcome not in MOVED_ON:
                await self.store.release_step(job.id, step, token)
        duration = time.perf_counter() - started
        self.metrics.step_duration.labels(kind=job.kind.value, outcome=outcome).observe(duration)
        log.info(
            "step_finished",
            **fields,
            kind=job.kind.value,
            outcome=outcome,
            duration_ms=round(duration * 1000, 1),
            **extra,
        )
        if extra.get("queued") is False and retry_later:
            raise NextStepPending(step)
        return {"outcome": outcome, **extra}

    @asynccontextmanager
    async def _heartbeat(self, job_id: UUID, step: int, token: str) -> AsyncIterator[None]:
        """Renew the step's lease while the body runs; the renewals stop when it ends."""
        ended = asyncio.Event()
        renewals = asyncio.create_task(self._renew(job_id, step, token, ended))
        try:
            yield
        finally:
            # Told to stop rather than cancelled: a renewal is never cut off mid-transaction.
            ended.set()
            await renewals

    async def _renew(self, job_id: UUID, step: int, token: str, ended: asyncio.Event) -> None:
        fields = {"job_id": str(job_id), "step": step}
        while True:
            try:
                await asyncio.wait_for(ended.wait(), timeout=HEARTBEAT_EVERY)
                return
            except TimeoutError:
                pass
            try:
                held = await self.store.renew_lease(job_id, step, token, lease=STEP_LEASE)
            except Exception as error:  # the database is away: the lease may run out, no more
                log.warning("lease_not_renewed", **fields, reason=str(error))
                continue
            if not held:
                # Taken over or broken by the sweeper, this run can no longer commit the step;
                # or the step has just ended (committed) while this renewal was under way.
                if not ended.is_set():
                    log.warning("lease_lost", **fields)
                return

    async def _refused(
        self, job_id: UUID, step: int, fields: dict[str, Any], *, retry_later: bool
    ) -> dict[str, Any]:
        """Answer a delivery whose claim was refused: why, and whether QStash should retry."""
        job = await self.store.get_job(job_id)
        if job is None:
            raise NotFound("job not found")
        if job.status.is_final:
            return self._ignored(fields, f"job already {job.status.value}")
        if step != job.step:
            if step < job.step and (await self.outbox.flush(job_id=job.id)).failed and retry_later:
                # This step is done, and what it queued is still unsent: keep it coming back.
                log.info("step_ignored", **fields, reason="next step not queued yet")
                raise NextStepPending(step)
            return self._ignored(fields, f"stale delivery: the job is at step {job.step}")
        reason = "another delivery is working on this step"
        if not retry_later:
            return self._ignored(fields, reason)
        retry_after = 1
        if job.lease_expires_at is not None:
            left = (job.lease_expires_at - self.clock.now()).total_seconds()
            retry_after = max(1, math.ceil(left))
        log.info("step_busy", **fields, retry_after=retry_after)
        raise StepBusy(retry_after)

    def _ignored(self, fields: dict[str, Any], reason: str) -> dict[str, Any]:
        log.info("step_ignored", **fields, reason=reason)
        return {"outcome": "ignored", "reason": reason}

    async def _attempt(self, job: Job, step: int, token: str) -> tuple[str, dict[str, Any]]:
        api = self.api.scoped(job.kind.search_type)
        context = StepContext(job, api, self.profiles, self.config, self.store)
        try:
            result = await STEPS[job.kind](context)
        except RetryableError as error:
            return await self._retry(job, step, error)
        except (FatalError, JobFailed) as error:
            return await self._fail(job, step, error.message)
        changes = StepChanges(
            status=JobStatus.COMPLETED if result.done else JobStatus.PROCESSING,
            add_runs=result.add_runs,
            progress=result.progress,
            cursor=result.cursor,
            search_params=result.state,
            error=None,  # a step that succeeds clears the last failed attempt's reason
        )
        # The next step's message is recorded in the commit's own transaction (the outbox), so
        # a crash or a QStash outage between the commit and the publish cannot lose it.
        entry = (
            None
            if result.done
            else self.outbox.entry(job.id, step + 1, delay_seconds=result.delay_seconds)
        )
        if not await self.store.commit_step(
            job.id, step, creators=result.creators, updates=changes, token=token, next_step=entry
        ):
            return "stale", {"reason": "another delivery took over or committed this step"}
        extra: dict[str, Any] = {"creators": len(result.creators), **result.details}
        if entry is None:
            return "completed", extra
        if not await self.outbox.send(entry):
            extra["queued"] = False
        return "committed", extra

    async def _retry(
        self, job: Job, step: int, error: RetryableError
    ) -> tuple[str, dict[str, Any]]:
        streak = await self.store.record_failure(job.id, step, error=error.message)
        if streak is None:
            return "stale", {"reason": "the job moved on while this attempt failed"}
        limit = await self.config.get(MAX_FAILURES)
        if streak >= limit:
            message = f"{error.message} (gave up after {streak} attempts)"
            return await self._fail(job, step, message, counted=True)
        delay = backoff_seconds(
            streak,
            base=await self.config.get(RETRY_BASE),
            cap=await self.config.get(RETRY_MAX),
            retry_after=error.retry_after,
        )
        # The attempt number goes into the deduplication id, or QStash would drop the retry
        # as a copy of the message that started this step.
        await self.publisher.publish_step(job.id, step, delay_seconds=delay, attempt=streak)
        return "retry", {"attempt": streak, "delay": delay, "reason": error.message}

    async def _fail(
        self, job: Job, step: int, message: str, *, counted: bool = False
    ) -> tuple[str, dict[str, Any]]:
        # record_failure doubles as the "still at this step" check for a fatal answer.
        if not counted and await self.store.record_failure(job.id, step, error=message) is None:
            return "stale", {"reason": "the job moved on while this attempt failed"}
        await self.store.mark_status(job.id, JobStatus.ERROR, error=message)
        return "failed", {"error": message}
