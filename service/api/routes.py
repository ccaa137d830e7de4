"""The route table of the service: what `setup_routes` mounts and what /openapi.json documents."""

from __future__ import annotations

from aiohttp import web

from service.api import admin_config as config_api
from service.api import campaigns, health, job_events, job_list
from service.api import jobs as jobs_api
from service.api.errors import UnsupportedMediaType
from service.api.job_requests import MAX_IDEMPOTENCY_KEY, is_keyword
from service.api.models import (
    SIMILAR_JOB_MODELS,
    CampaignCreate,
    CampaignList,
    CampaignOut,
    CampaignWithJobs,
    ConfigOut,
    ConfigUpdate,
    HealthOut,
    JobCancelled,
    JobCreated,
    JobList,
    JobListQuery,
    JobStatusOut,
    JobStatusQuery,
    KeywordJobCreate,
)
from service.api.openapi import JSON, Auth, Handler, HeaderParam, Limits, Route, build_openapi
from service.api.safe_text import NOT_BLANK_TEXT_PATTERN
from service.jobs.enums import JobKind
from service.keys import PARTS
from service.qstash import webhook

# Path segment of /api/scraping/<segment> → the job kind it creates.
SCRAPING_ROUTES = {
    "tiktok": JobKind.TIKTOK_KEYWORD,
    "youtube": JobKind.YOUTUBE_KEYWORD,
    "tiktok-similar": JobKind.TIKTOK_SIMILAR,
    "instagram": JobKind.INSTAGRAM_SIMILAR,
    "youtube-similar": JobKind.YOUTUBE_SIMILAR,
}

LAST_EVENT_ID = HeaderParam(
    job_events.LAST_EVENT_ID,
    "Resume a stream: the id of the last event received (sent back by EventSource itself).",
    {"type": "string", "pattern": f"^[0-9]{{0,{job_events.MAX_EVENT_ID_DIGITS}}}$"},
)
IDEMPOTENCY_KEY = HeaderParam(
    "Idempotency-Key",
    "Repeat a create safely: the same key answers the job it created the first time.",
    {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_IDEMPOTENCY_KEY,
        "pattern": NOT_BLANK_TEXT_PATTERN,
    },
)


async def openapi_json(request: web.Request) -> web.Response:
    limits = await Limits.read(request.app[PARTS].config)
    return web.json_response(build_openapi(ROUTES, limits))


def _create_job_route(segment: str, kind: JobKind) -> Route:
    body = KeywordJobCreate if is_keyword(kind) else SIMILAR_JOB_MODELS[kind.platform]
    return Route(
        "POST",
        f"/api/scraping/{segment}",
        jobs_api.create_handler(kind),
        f"Start a {kind.value} job in one of your campaigns",
        Auth.USER,
        body=body,
        headers=(IDEMPOTENCY_KEY,),
        response=JobCreated,
        errors=(404, 502),
    )


def _job_status_route(segment: str, kind: JobKind) -> Route:
    return Route(
        "GET",
        f"/api/scraping/{segment}",
        jobs_api.job_status,
        "A job's status, progress and a page of its results",
        Auth.USER,
        query=JobStatusQuery,
        response=JobStatusOut,
        errors=(404,),
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/healthz",
        health.healthz,
        "Database and QStash reachability",
        Auth.NONE,
        response=HealthOut,
        other={503: HealthOut},
    ),
    Route(
        "GET",
        "/metrics",
        health.metrics,
        "Prometheus metrics",
        Auth.NONE,
        content_type="text/plain",
    ),
    Route("GET", "/openapi.json", openapi_json, "This document", Auth.NONE),
    Route(
        "POST",
        "/api/campaigns",
        campaigns.create_campaign,
        "Create a campaign",
        Auth.USER,
        body=CampaignCreate,
        status=201,
        response=CampaignOut,
    ),
    Route(
        "GET",
        "/api/campaigns",
        campaigns.list_campaigns,
        "List your campaigns",
        Auth.USER,
        response=CampaignList,
    ),
    Route(
        "GET",
        "/api/campaigns/{id}",
        campaigns.get_campaign,
        "A campaign with its jobs",
        Auth.USER,
        response=CampaignWithJobs,
    ),
    *(_create_job_route(segment, kind) for segment, kind in SCRAPING_ROUTES.items()),
    *(_job_status_route(segment, kind) for segment, kind in SCRAPING_ROUTES.items()),
    Route(
        "GET",
        "/api/jobs",
        job_list.list_jobs,
        "Your jobs, newest first, a page at a time (pass `nextCursor` back as `cursor`)",
        Auth.USER,
        query=JobListQuery,
        response=JobList,
    ),
    Route(
        "POST",
        "/api/jobs/{id}/cancel",
        jobs_api.cancel_job,
        "Cancel your pending or processing job and take its queued step back from QStash "
        "(409 naming the status when it has already ended)",
        Auth.USER,
        response=JobCancelled,
        errors=(409,),
    ),
    Route(
        "GET",
        "/api/jobs/{id}/results.csv",
        jobs_api.results_csv,
        "A job's creators as CSV",
        Auth.USER,
        content_type="text/csv",
    ),
    Route(
        "GET",
        "/api/jobs/{id}/events",
        job_events.job_events,
        "Follow a job: Server-Sent Events `progress` on each change, `end` when it ends",
        Auth.USER,
        headers=(LAST_EVENT_ID,),
        content_type="text/event-stream",
        stream_event=job_events.JobEvent,
        errors=(400,),
    ),
    Route(
        "GET",
        "/api/admin/config",
        config_api.get_config,
        "Dynamic configuration",
        Auth.ADMIN,
        response=ConfigOut,
    ),
    Route(
        "PUT",
        "/api/admin/config",
        config_api.put_config,
        "Change configuration values",
        Auth.ADMIN,
        body=ConfigUpdate,
        response=ConfigOut,
    ),
    Route(
        "POST",
        "/api/qstash/process-scraping",
        webhook.process_scraping,
        "Run one step of a job (QStash delivers the step message)",
        Auth.QSTASH,
        body=webhook.StepMessage,
        # 409: another delivery holds the step; 503: saved, next step not queued yet. Both
        # carry Retry-After, and QStash delivers the step again then.
        errors=(409, 489, 503),
    ),
    Route(
        "POST",
        "/api/qstash/failure",
        webhook.failure_callback,
        "QStash gave up on a step message: the job fails",
        Auth.QSTASH,
        errors=(489,),
    ),
    Route(
        "POST",
        "/api/qstash/sweep",
        webhook.sweep,
        "Re-queue stalled jobs, time out overdue ones (QStash schedule)",
        Auth.QSTASH,
    ),
)


def _requires_json(handler: Handler) -> Handler:
    """415 for a body sent as anything but JSON: the document promises application/json only."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if request.body_exists and request.content_type != JSON:
            raise UnsupportedMediaType(f"Content-Type: must be {JSON}, got {request.content_type}")
        return await handler(request)

    return guarded


def setup_routes(app: web.Application) -> None:
    for route in ROUTES:
        handler = route.handler
        if route.body is not None and route.auth is not Auth.QSTASH:
            handler = _requires_json(handler)
        # add_route, not add_get: no implicit HEAD, which the document does not describe.
        app.router.add_route(route.method, route.path, handler)
