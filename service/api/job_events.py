"""GET /api/jobs/{id}/events: a Server-Sent Events stream of one job's status and progress.

Each event's `id` is derived from the job row (`2·step`, plus 1 once final): every change a
client can see either commits a step (step + 1) or ends the job, so the id grows strictly
with each change, and a reconnecting client's `Last-Event-ID` says exactly what it has seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID

from aiohttp import web

from service.api.auth import Principal
from service.api.jobs import own_job
from service.api.requests import current_user, path_id
from service.clock import Clock
from service.errors import InvalidInput, NotFound
from service.jobs.creator import CamelModel
from service.jobs.enums import JobStatus
from service.keys import PARTS
from service.logs import get_logger
from service.store import Job
from service.store.changes import JobChanges, Subscription

log = get_logger("service.api.job_events")

LAST_EVENT_ID = "Last-Event-ID"
MAX_EVENT_ID_DIGITS = 18  # far beyond any job's steps, and always inside a 64-bit integer
STREAM_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # nginx would otherwise hold events back in its buffer
}


class JobEvent(CamelModel):
    """The `data:` of a `progress` or `end` event."""

    job_id: UUID
    status: JobStatus
    progress: float
    processed_results: int
    target_results: int
    processed_runs: int
    step: int
    error: str | None


def event_id(job: Job) -> int:
    return 2 * job.step + (1 if job.status.is_final else 0)


def last_event_id(request: web.Request) -> int | None:
    """The `Last-Event-ID` a reconnecting client sends: an id this stream handed out."""
    raw = request.headers.get(LAST_EVENT_ID)
    if raw is None or raw == "":  # an EventSource that saw no id yet sends it empty
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_EVENT_ID_DIGITS):
        raise InvalidInput(f"{LAST_EVENT_ID}: must be an event id from this stream (digits only)")
    return int(raw)


class EventWriter:
    """Writes SSE frames (the format is a few lines; a library's pinger would run on the wall
    clock, while heartbeats here follow the injected one)."""

    def __init__(self, response: web.StreamResponse, clock: Clock, heartbeat: float) -> None:
        self._response = response
        self._clock = clock
        self._heartbeat = timedelta(seconds=heartbeat)
        self._last_write: datetime = clock.now()
        self._progress = 0.0

    async def _write(self, frame: str) -> None:
        await self._response.write(frame.encode())
        self._last_write = self._clock.now()

    async def event(self, job: Job) -> None:
        # Never show less progress than this stream has shown already.
        self._progress = max(self._progress, job.progress)
        data = JobEvent(
            job_id=job.id,
            status=job.status,
            progress=self._progress,
            processed_results=job.processed_results,
            target_results=job.target_results,
            processed_runs=job.processed_runs,
            step=job.step,
            error=job.error,
        ).model_dump_json(by_alias=True)
        name = "end" if job.status.is_final else "progress"
        await self._write(f"id: {event_id(job)}\nevent: {name}\ndata: {data}\n\n")

    async def heartbeat_if_due(self) -> None:
        if self._clock.now() - self._last_write >= self._heartbeat:
            await self._write(": heartbeat\n\n")


async def _follow(
    request: web.Request,
    user: Principal,
    job: Job,
    seen: int | None,
    changes: Subscription,
    writer: EventWriter,
) -> None:
    """Send the current state (unless the client has it), then one event per change."""
    parts = request.app[PARTS]
    clock, timing = parts.clock, parts.event_timing
    if job.status.is_final or seen != event_id(job):
        await writer.event(job)
    sent = event_id(job)
    while not job.status.is_final:
        woken = await changes.wait(timing.poll_seconds)
        if changes.closed:
            return  # the service stops; the client reconnects with its Last-Event-ID
        # An overdue job must end here too: no one else may be asking about it.
        if woken or job.timeout_at <= clock.now():
            job = await own_job(request, user, job.id)
        if event_id(job) > sent:
            await writer.event(job)
            sent = event_id(job)
        else:
            await writer.heartbeat_if_due()


async def job_events(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    job_id = path_id(request)
    seen = last_event_id(request)
    parts = request.app[PARTS]
    # Subscribe before the first read: a change committed in between still wakes the stream.
    with parts.job_changes.subscribe(job_id) as changes:
        job = await own_job(request, user, job_id)  # 404 while an error can still be JSON
        response = web.StreamResponse(headers=STREAM_HEADERS)
        try:
            # A client gone before the headers (a reconnect racing a stop) is no server error.
            await response.prepare(request)
            writer = EventWriter(response, parts.clock, parts.event_timing.heartbeat_seconds)
            await _follow(request, user, job, seen, changes, writer)
        except ConnectionResetError:
            log.info("job_events_client_left", job_id=str(job_id))
        except NotFound:
            log.info("job_events_job_gone", job_id=str(job_id))
    return response


def run_change_feed(app: web.Application, feed: JobChanges) -> None:
    """Run the change feed with the app; open streams end when it shuts down."""

    async def running(_: web.Application) -> AsyncIterator[None]:
        await feed.start()
        yield
        await feed.close()

    async def end_streams(_: web.Application) -> None:
        await feed.close()

    app.cleanup_ctx.append(running)
    app.on_shutdown.append(end_streams)
