"""One delivered step of a job: run its kind, commit exactly once, queue the next or finish."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from service.clock import Clock
from service.config import DynamicConfig
from service.config_defaults import QSTASH_DELAYS, QSTASH_MAX_DELAY_SECONDS, RETRIES, TIMEOUTS
from service.enums import JobKind, JobStatus
from service.errors import NotFound
from service.logs import get_logger
from service.metrics import Metrics
from service.platforms import (
    instagram_similar,
    tiktok_keyword,
    tiktok_similar,
    youtube_keyword,
    youtube_similar,
)
from service.platforms.base import JobFailed, StepContext, StepResult
from service.platforms.profiles import Profiles
from service.publisher import Publisher, PublishError
from service.scrapecreators.client import ScrapeCreatorsClient
from service.scrapecreators.errors import FatalError, RetryableError
from service.store import Job, StepChanges, Store

log = get_logger("service.lifecycle")

TIMEOUT_MESSAGE = "Job exceeded maximum allowed time"
MAX_FAILURES = RETRIES.max_consecutive_failures
RETRY_BASE = QSTASH_DELAYS.retry_base_delay
RETRY_MAX = QSTASH_DELAYS.retry_max_delay
# A run silent for this long is presumed dead and its step lease may be taken over.
STALLED_AFTER = TIMEOUTS.stalled_job_after

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

    async def run_step(self, job_id: UUID, step: int, *, message_id: str) -> dict[str, Any]:
        """Handle one delivery of `step`; the returned dict is the webhook's 200 body.

        Raises NotFound for an unknown job: no retry can find it, so the webhook answers it as
        QStash's non-retryable failure. Anything unexpected propagates (the webhook answers
        500, QStash retries, and the step is safe to run again).
        """
        fields = {"job_id": str(job_id), "message_id": message_id, "step": step}
        token = uuid4().hex
        lease = timedelta(seconds=await self.config.get(STALLED_AFTER))
        # Claiming first keeps the common case at two transactions (claim, commit); the
        # reasons for a refused claim are only looked up when there is one.
        job = await self.store.claim_step(job_id, step, token, lease=lease)
        if job is None:
            return self._ignored(fields, await self._why_not(job_id, step))
        started = time.perf_counter()
        outcome, extra = "error", dict[str, Any]()
        try:
            if job.timeout_at <= self.clock.now():
                await self.store.expire_if_overdue(job.id, error=TIMEOUT_MESSAGE)
                outcome = "timeout"
            else:
                outcome, extra = await self._attempt(job, step)
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
        return {"outcome": outcome, **extra}

    async def _why_not(self, job_id: UUID, step: int) -> str:
        job = await self.store.get_job(job_id)
        if job is None:
            raise NotFound("job not found")
        if job.status.is_final:
            return f"job already {job.status.value}"
        if step != job.step:
            return f"stale delivery: the job is at step {job.step}"
        return "another delivery is working on this step"

    def _ignored(self, fields: dict[str, Any], reason: str) -> dict[str, Any]:
        log.info("step_ignored", **fields, reason=reason)
        return {"outcome": "ignored", "reason": reason}

    async def _attempt(self, job: Job, step: int) -> tuple[str, dict[str, Any]]:
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
        if not await self.store.commit_step(
            job.id, step, creators=result.creators, updates=changes
        ):
            return "stale", {"reason": "another delivery committed this step first"}
        extra = {"creators": len(result.creators), **result.details}
        if result.done:
            return "completed", extra
        try:
            await self.publisher.publish_step(job.id, step + 1, delay_seconds=result.delay_seconds)
        except PublishError as error:
            # The step is durable; the sweeper re-queues the job once it looks stalled.
            self.metrics.publish_failures.inc()
            log.warning(
                "next_step_not_queued", job_id=str(job.id), step=step + 1, reason=str(error)
            )
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
