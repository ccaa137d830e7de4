"""The QStash-facing routes: the step webhook, the failure callback and the sweep."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.enums import JobStatus
from service.errors import BadRequest, field_error
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
from service.lifecycle import Lifecycle
from service.logs import get_logger
from service.platforms.profiles import Profiles
from service.scrapecreators.client import ScrapeCreatorsClient
from service.scrapecreators.raw_log import RawLog
from service.signature import SignatureVerifier
from service.sweep import Sweeper, register_schedule

log = get_logger("service.webhook")

REASON_LIMIT = 300


class StepMessage(BaseModel):
    """The body every step message carries: which job, and which step of it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    job_id: UUID = Field(alias="jobId")
    step: int = Field(ge=0, strict=True)


def _step_message(data: Any) -> StepMessage:
    if not isinstance(data, dict):
        raise BadRequest("body: must be a JSON object")
    try:
        return StepMessage.model_validate(data)
    except ValidationError as error:
        raise field_error(error) from None


def _json(text: str, field: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise BadRequest(f"{field}: must be valid JSON") from None


async def process_scraping(request: web.Request) -> web.Response:
    app = request.app
    body = await app[SIGNATURES].verified_body(request, app[SETTINGS].webhook_url)
    message = _step_message(_json(body, "body"))
    message_id = request.headers.get("Upstash-Message-Id", "")
    result = await app[LIFECYCLE].run_step(message.job_id, message.step, message_id=message_id)
    return web.json_response({"jobId": str(message.job_id), "step": message.step, **result})


def _b64(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"{field}: must be a base64 string")
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        raise BadRequest(f"{field}: must be base64") from None


async def failure_callback(request: web.Request) -> web.Response:
    """QStash gave up on a step message: the job fails, keeping what the last attempt said."""
    app = request.app
    body = await app[SIGNATURES].verified_body(request, app[SETTINGS].failure_callback_url)
    payload = _json(body, "body")
    if not isinstance(payload, dict):
        raise BadRequest("body: must be a JSON object")
    message = _step_message(_json(_b64(payload.get("sourceBody"), "sourceBody"), "sourceBody"))
    status = payload.get("status")
    last_body = _b64(payload["body"], "body") if payload.get("body") else ""
    answer = " ".join(last_body.split())[:REASON_LIMIT] or "no body"
    reason = (
        f"QStash gave up delivering step {message.step}: last attempt answered {status}: {answer}"
    )
    store = app[STORE]
    job = await store.get_job(message.job_id)
    changed = False
    if job is not None and not job.status.is_final and job.step == message.step:
        changed = await store.mark_status(job.id, JobStatus.ERROR, error=reason)
    log.info(
        "failure_callback",
        job_id=str(message.job_id),
        step=message.step,
        message_id=payload.get("sourceMessageId", ""),
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


def setup_webhook(app: web.Application) -> None:
    """Build what the QStash-facing routes need (service.routes mounts the routes themselves)."""
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
    app[LIFECYCLE] = Lifecycle(
        app[STORE], app[PUBLISHER], app[CONFIG], clock, api, Profiles(clock), metrics
    )
    app[SWEEPER] = Sweeper(app[STORE], app[PUBLISHER], app[CONFIG], clock)
    app.cleanup_ctx.append(_schedule_sweep)
