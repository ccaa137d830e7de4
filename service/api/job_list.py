"""`GET /api/jobs`: the caller's jobs, newest first, a page at a time; a job as a list item."""

from __future__ import annotations

from aiohttp import web

from service.api.job_cursor import decode_cursor, encode_cursor
from service.api.models import JobItem, JobList, JobListQuery
from service.api.requests import current_user, query
from service.keys import PARTS
from service.store import Job
from service.store.job_pages import JobFilter


def job_item(job: Job) -> JobItem:
    return JobItem(
        id=job.id,
        kind=job.kind,
        platform=job.platform,
        status=job.status,
        progress=job.progress,
        processed_results=job.processed_results,
        target_results=job.target_results,
        campaign_id=job.campaign_id,
        keywords=job.keywords,
        target_username=job.target_username,
        created_at=job.created_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
        updated_at=job.updated_at,
        error=job.error,
    )


async def list_jobs(request: web.Request) -> web.Response:
    user = await current_user(request)
    params = query(request, JobListQuery)
    page, last = await request.app[PARTS].store.list_jobs(
        user.user_id,
        limit=params.limit,
        where=JobFilter(params.campaign_id, params.status, params.kind),
        after=decode_cursor(params.cursor) if params.cursor is not None else None,
    )
    out = JobList(
        jobs=[job_item(job) for job in page],
        next_cursor=encode_cursor(last) if last is not None else None,
    )
    return web.json_response(out.model_dump(mode="json", by_alias=True))
