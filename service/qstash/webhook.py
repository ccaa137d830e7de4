"""The QStash-facing routes: the step webhook, the failure callback and the sweep."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.api.errors import field_error
from service.api.json_input import parse_json_object
from service.api.safe_text import printable
from service.errors import InvalidInput, NotFound, Undeliverable
from service.jobs.enums import JobStatus
from service.keys import PARTS
from service.logs import get_logger

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
        raise InvalidInput(f"{field}: must be base64") from None


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
    except (InvalidInput, NotFound) as error:
        log.warning(
            "delivery_refused",
            path=request.path,
            message_id=request.headers.get("Upstash-Message-Id", ""),
            retried=request.headers.get("Upstash-Retried", ""),
            reason=error.message,
        )
        raise Undeliverable(error.message) from None


async def process_scraping(request: web.Request) -> web.Response:
    parts = request.app[PARTS]
    body = await parts.signatures.verified_body(request, parts.settings.webhook_url)
    message_id = request.headers.get("Upstash-Message-Id", "")
    async with _never_succeeds(request):
        message = _step_message(body, "body")
        result = await parts.lifecycle.run_step(
            message.job_id, message.step, message_id=message_id, retried=_retried(request)
        )
    return web.json_response({"jobId": str(message.job_id), "step": message.step, **result})


def _retried(request: web.Request) -> int:
    """QStash's count of earlier attempts at this message (0 when absent or unreadable)."""
    value = request.headers.get("Upstash-Retried", "0")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


async def failure_callback(request: web.Request) -> web.Response:
    """QStash gave up on a step message: the job fails, keeping what the last attempt said."""
    parts = request.app[PARTS]
    body = await parts.signatures.verified_body(request, parts.settings.failure_callback_url)
    async with _never_succeeds(request):
        callback = _model(FailureCallback, parse_json_object(body))
        message = _step_message(_b64(callback.source_body, "sourceBody"), "sourceBody")
        reason = _failure_reason(callback, message.step)
        store = parts.store
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
    parts = request.app[PARTS]
    await parts.signatures.verified_body(request, parts.settings.sweep_url)
    counts = await parts.sweeper.sweep()
    log.info("sweep_done", **counts)
    return web.json_response(counts)
