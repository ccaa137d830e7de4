"""Job handlers: create a job and queue its first step; its status and results; cancel it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from aiohttp import web

from service.api.auth import Principal
from service.api.csv_export import render_csv
from service.api.job_list import job_item
from service.api.job_requests import MAX_IDEMPOTENCY_KEY, is_keyword, keyword_job, similar_job
from service.api.models import (
    SIMILAR_JOB_MODELS,
    JobCancelled,
    JobCreated,
    JobStatusOut,
    JobStatusQuery,
    KeywordJobCreate,
)
from service.api.requests import current_user, json_body, path_id, query
from service.api.safe_text import check_text
from service.errors import Conflict, InvalidInput, NotFound
from service.jobs.enums import ACTIVE_STATUSES, JobKind, JobStatus
from service.jobs.policy import TIMEOUT_MESSAGE
from service.keys import PARTS
from service.logs import get_logger
from service.qstash.publisher import PublishError
from service.store import Job, NewJob, UnknownCampaign

log = get_logger("service.jobs")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(f"Idempotency-Key: must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    return check_text(key, "Idempotency-Key")


async def _new_job(request: web.Request, kind: JobKind, user: Principal) -> NewJob:
    config, clock, key = (
        request.app[PARTS].config,
        request.app[PARTS].clock,
        _idempotency_key(request),
    )
    if is_keyword(kind):
        keyword_body = await json_body(request, KeywordJobCreate)
        new = await keyword_job(
            kind, keyword_body, user, config=config, clock=clock, idempotency_key=key
        )
    else:
        similar_body = await json_body(request, SIMILAR_JOB_MODELS[kind.platform])
        new = await similar_job(
            kind, similar_body, user, config=config, clock=clock, idempotency_key=key
        )
    assert new.campaign_id is not None  # both bodies require it (the store checks it is theirs)
    return new


def _created(message: str, job: Job, message_id: str | None) -> web.Response:
    body = JobCreated(message=message, job_id=job.id, qstash_message_id=message_id)
    return web.json_response(body.model_dump(mode="json", by_alias=True))


def create_handler(kind: JobKind) -> Handler:
    async def create_job(request: web.Request) -> web.Response:
        user = await current_user(request)
        new = await _new_job(request, kind, user)
        store = request.app[PARTS].store
        try:
            job, created = await store.create_job(new)
        except UnknownCampaign:
            raise NotFound("campaign not found") from None
        if not created:
            return _created(
                "Job already exists for this Idempotency-Key", job, job.qstash_message_id
            )
        publisher = request.app[PARTS].publisher
        try:
            message_id = await publisher.publish(job.id, 0)
        except PublishError as error:
            # Never leave a job pending with no message that would ever move it.
            await store.mark_status(job.id, JobStatus.ERROR, error=error.message)
            request.app[PARTS].metrics.publish_failures.inc()
            raise
        # Kept as the job's first message and noted as its queued one (publish_step's note).
        active = await store.note_first_message(job.id, message_id)
        await publisher.keep_if_active(job.id, message_id, active)
        request.app[PARTS].metrics.jobs_created.labels(kind=kind.value).inc()
        log.info("job_created", job_id=str(job.id), kind=kind.value, message_id=message_id)
        return _created("Scraping job started successfully", job, message_id)

    return create_job


async def own_job(request: web.Request, user: Principal, job_id: UUID) -> Job:
    store = request.app[PARTS].store
    job = await store.get_job_for_user(user.user_id, job_id)
    if job is None:
        raise NotFound("job not found")
    if job.status in ACTIVE_STATUSES and job.timeout_at <= request.app[PARTS].clock.now():
        if await store.expire_if_overdue(job.id, error=TIMEOUT_MESSAGE):
            log.info("job_timed_out", job_id=str(job.id))
        job = await store.get_job_for_user(user.user_id, job_id) or job
    return job


async def job_status(request: web.Request) -> web.Response:
    user = await current_user(request)
    params = query(request, JobStatusQuery)
    job = await own_job(request, user, params.job_id)
    offset, limit = params.offset, params.limit
    store = request.app[PARTS].store
    results = await store.list_results(job.id, offset=offset, limit=limit)
    out = JobStatusOut(
        job_id=job.id,
        kind=job.kind,
        platform=job.platform,
        status=job.status,
        processed_results=job.processed_results,
        target_results=job.target_results,
        processed_runs=job.processed_runs,
        progress=job.progress,
        error=job.error,
        keywords=job.keywords,
        target_username=job.target_username,
        created_at=job.created_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
        timeout_at=job.timeout_at,
        total_results=await store.count_results(job.id),
        offset=offset,
        limit=limit,
        results=results,
    )
    return web.json_response(out.model_dump(mode="json", by_alias=True))


async def results_csv(request: web.Request) -> web.Response:
    user = await current_user(request)
    job = await own_job(request, user, path_id(request))
    creators = await request.app[PARTS].store.list_results(job.id)
    return web.Response(
        text=render_csv(creators),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="job-{job.id}.csv"'},
    )


async def cancel_job(request: web.Request) -> web.Response:
    """Cancel the caller's active job: the database first (so any delivery from now on is a
    no-op), then, best effort, the step message waiting in QStash."""
    user = await current_user(request)
    # own_job: 404 for anyone else's job, and an overdue job times out first, as a poll would.
    job = await own_job(request, user, path_id(request))
    cancelled = await request.app[PARTS].store.cancel_job(user.user_id, job.id)
    if cancelled is None:
        final = await own_job(request, user, job.id)
        raise Conflict(f"job already {final.status.value}")
    message_id = cancelled.queued_message_id or cancelled.qstash_message_id
    withdrawn = False
    if message_id is not None:
        withdrawn = await request.app[PARTS].publisher.cancel(message_id, job_id=cancelled.id)
    log.info("job_cancelled", job_id=str(cancelled.id), message_id=message_id, withdrawn=withdrawn)
    out = JobCancelled(**job_item(cancelled).model_dump(), message_cancelled=withdrawn)
    return web.json_response(out.model_dump(mode="json", by_alias=True))
