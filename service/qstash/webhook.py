"""The QStash-facing routes: the step webhook, the failure callback and the sweep."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.api.json_input import parse_json_object
from service.api.safe_text import printable
from service.errors import BadRequest, NonRetryable, NotFound, field_error
from service.jobs.enums import JobStatus
from service.jobs.lifecycle import Lifecycle
from service.jobs.platforms.profiles import Profiles
from service.keys import (
    CLOCK,
    CONFIG,
    HTTP,
    LIFECYCLE,
    METRICS,
    PUBLISHER,
    QSTASH,
    SETTINGS,
    SIGNATURES,
    STORE,
    SWEEPER,
)
from service.logs import get_logger
from service.qstash.outbox import Outbox
from service.qstash.signature import SignatureVerifier
from service.qstash.sweep import Sweeper, register_schedule
from service.scrapecreators.client import ScrapeCreatorsClient
from service.scrapecreators.raw_log import RawLog

log = get_logger("service.qstash.webhook")

ModelT = TypeVar("ModelT", bound=BaseModel)

REASON_LIMIT = 300
# The jobs table keeps the step in a 32-bit INTEGER column; no job gets anywhere near it.
MAX_STEP = 2**31 - 1


class StepMessage(BaseModel):
    """The body every step message carries: which job, and which step of it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    job_id: UUID = Field(alias="jobId")
    step: int = Field(ge=0, le=MAX_STEP, strict=True)


class FailureCallback(BaseModel):
    """What QStash posts to the failure callback once it gives up on a step message."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    source_body: str = Field(alias="sourceBody")
    source_message_id: str = Field("", alias="sourceMessageId", max_length=200)
    status: int | None = Field(None, ge=0, le=999, strict=True)
    body: str | None = None


def _model(model: type[ModelT], data: Any) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise field_error(error) from None


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{field}: must be base64") from None


def _step_message(raw: bytes | str, field: str) -> StepMessage:
    return _model(StepMessage, parse_json_object(raw, field))


def _failure_reason(callback: FailureCallback, step: int) -> str:
    last_body = _b64(callback.body, "body").decode("utf-8", "replace") if callback.body else ""
    # The destination's answer is third-party text: no controls may reach the job row.
    answer = printable(last_body)[:REASON_LIMIT] or "no body"
    status = callback.status
    return f"QStash gave up delivering step {step}: last attempt answered {status}: {answer}"


@asynccontextmanager
async def _never_succeeds(request: web.Request) -> AsyncIterator[None]:
    """A delivery refused for what it says (not for its signature) would be refused again on
    every retry: answer QStash's non-retryable 489 so the message fails at once."""
    try:
        yield
    except (BadRequest, NotFound) as error:
        log.warning(
            "delivery_refused",
            path=request.path,
            message_id=request.headers.get("Upstash-Message-Id", ""),
            retried=request.headers.get("Upstash-Retried", ""),
            reason=error.message,
        )
        raise NonRetryable(error.message) from None


async def process_scraping(request: web.Request) -> web.Response:
    app = request.app
    body = await app[SIGNATURES].verified_body(request, app[SETTINGS].webhook_url)
    message_id = request.headers.get("Upstash-Message-Id", "")
    async with _never_succeeds(request):
        message = _step_message(body, "body")
        result = await app[LIFECYCLE].run_step(
            message.job_id, message.step, message_id=message_id, retried=_retried(request)
        )
    return web.json_response({"jobId": str(message.job_id), "step": message.step, **result})


def _retried(request: web.Request) -> int:
    """QStash's count of earlier attempts at this message (0 when absent or unreadable)."""
    value = request.headers.get("Upstash-Retried", "0")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


async def failure_callback(request: web.Request) -> web.Response:
    """QStash gave up on a step message: the job fails, keeping what the last attempt said."""
    app = request.app
    body = await app[SIGNATURES].verified_body(request, app[SETTINGS].failure_callback_url)
    async with _never_succeeds(request):
        callback = _model(FailureCallback, parse_json_object(body))
        message = _step_message(_b64(callback.source_body, "sourceBody"), "sourceBody")
        reason = _failure_reason(callback, message.step)
        store = app[STORE]
        job = await store.get_job(message.job_id)
        if job is None:
            raise NotFound("job not found")
    changed = False
    if not job.status.is_final and job.step == message.step:
        changed = await store.mark_status(job.id, JobStatus.ERROR, error=reason)
    log.info(
        "failure_callback",
        job_id=str(message.job_id),
        step=message.step,
        message_id=callback.source_message_id,
        changed=changed,
    )
    return web.json_response({"jobId": str(message.job_id), "failed": changed})


async def sweep(request: web.Request) -> web.Response:
    app = request.app
    await app[SIGNATURES].verified_body(request, app[SETTINGS].sweep_url)
    counts = await app[SWEEPER].sweep()
    log.info("sweep_done", **counts)
    return web.json_response(counts)


async def _schedule_sweep(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.sweep_schedule:
        await register_schedule(app[QSTASH], settings.sweep_url)  # type: ignore[arg-type]
    yield


def _flush_outbox_on_start(outbox: Outbox) -> Callable[[web.Application], AsyncIterator[None]]:
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


def setup_webhook(app: web.Application) -> None:
    """Build what the QStash-facing routes need (service.api.routes mounts the routes)."""
    settings, metrics, clock = app[SETTINGS], app[METRICS], app[CLOCK]
    key = settings.scrapecreators_api_key.get_secret_value()
    api = ScrapeCreatorsClient(
        app[HTTP],
        base_url=settings.scrapecreators_api_url,
        api_key=key,
        metrics=metrics,
        clock=clock,
        search_timeout=settings.scrapecreators_search_timeout,
        profile_timeout=settings.scrapecreators_profile_timeout,
        raw_log=RawLog(Path(settings.log_raw_dir), api_key=key)
        if settings.log_raw_responses
        else None,
    )
    app[SIGNATURES] = SignatureVerifier(
        settings.qstash_current_signing_key.get_secret_value(),
        settings.qstash_next_signing_key.get_secret_value(),
        metrics,
    )
    outbox = Outbox(app[STORE], app[PUBLISHER], clock, metrics)
    app[LIFECYCLE] = Lifecycle(
        app[STORE], app[PUBLISHER], app[CONFIG], clock, api, Profiles(clock), metrics, outbox
    )
    app[SWEEPER] = Sweeper(app[STORE], app[PUBLISHER], app[CONFIG], clock, metrics, outbox)
    app.cleanup_ctx.append(_schedule_sweep)
    app.cleanup_ctx.append(_flush_outbox_on_start(outbox))
