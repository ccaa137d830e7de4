"""GET /api/jobs/{id}/events: events per change, the end, heartbeats, resuming, other instances."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import aiohttp
import httpx
import pytest
import sqlalchemy as sa
from aiohttp import web

from service.api import job_events
from service.api.auth import Principal
from service.api.jobs import own_job
from service.clock import ManualClock
from service.jobs.enums import JobKind, JobStatus
from service.keys import PARTS
from service.store import Job, KeyedCreator, NewJob, StepChanges, Store
from service.store.changes import ListenChanges
from tests.service.conftest import EVENT_TIMING, ServiceStack, service_stack

TIMING = EVENT_TIMING
WAIT = 10.0  # the longest a test waits for a frame before it fails (never reached when green)


@dataclass(frozen=True)
class Frame:
    """One SSE frame: an event (id, name, JSON data) or a comment."""

    id: int | None = None
    event: str | None = None
    data: dict[str, Any] | None = None
    comment: str | None = None


class Frames:
    """Reads an event stream frame by frame, comments included (an SSE client hides them)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self) -> Frame | None:
        """The next frame, or None when the server ended the stream."""
        fields: dict[str, str] = {}
        comment: str | None = None
        async with asyncio.timeout(WAIT):
            while (line := await anext(self._lines, None)) is not None:
                if line == "":
                    if fields or comment is not None:
                        break
                elif line.startswith(":"):
                    comment = line[1:].strip()
                else:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
            else:
                return None
        return Frame(
            id=int(fields["id"]) if "id" in fields else None,
            event=fields.get("event"),
            data=json.loads(fields["data"]) if "data" in fields else None,
            comment=comment,
        )

    async def event(self) -> Frame:
        """The next event, skipping heartbeats."""
        while True:
            frame = await self.next()
            assert frame is not None, "the stream ended"
            if frame.comment is None:
                return frame


class Heard(logging.Handler):
    """Sets `heard` when a log record with this message is emitted."""

    def __init__(self, message: str) -> None:
        super().__init__(logging.INFO)
        self.message = message
        self.heard = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == self.message:
            self.heard.set()


@asynccontextmanager
async def events(
    stack: ServiceStack, job_id: UUID | str, *, user: str = "user-1", **headers: str
) -> AsyncIterator[Frames]:
    url = f"{stack.url}/api/jobs/{job_id}/events"
    async with (
        httpx.AsyncClient(timeout=WAIT) as http,
        http.stream("GET", url, headers={**stack.auth(user), **headers}) as response,
    ):
        yield Frames(response)


async def new_job(store: Store, clock: ManualClock, user: str = "user-1") -> UUID:
    new = NewJob(
        user_id=user,
        kind=JobKind.TIKTOK_KEYWORD,
        timeout_at=clock.now() + timedelta(hours=1),
        target_results=30,
        keywords=["home baking"],
    )
    job, _ = await store.create_job(new)
    return job.id


def creators(*handles: str) -> list[KeyedCreator]:
    return [KeyedCreator(handle, {"platform": "TikTok", "handle": handle}) for handle in handles]


async def step(
    store: Store, job_id: UUID, at: int, progress: float, *handles: str, done: bool = False
) -> None:
    changes = StepChanges(
        status=JobStatus.COMPLETED if done else JobStatus.PROCESSING, add_runs=1, progress=progress
    )
    assert await store.commit_step(job_id, at, creators=creators(*handles), updates=changes)


@pytest.fixture
async def events_stack(store: Store, clock: ManualClock) -> AsyncIterator[ServiceStack]:
    """The stack on each engine (the `stack` fixture is SQLite only)."""
    async with service_stack(store, clock) as running:
        yield running


async def test_the_stream_sends_the_state_then_each_change_then_the_end(
    events_stack: ServiceStack,
) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    async with events(stack, job_id) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["Content-Type"] == "text/event-stream"
        assert stream.response.headers["Cache-Control"] == "no-cache"
        first = await stream.event()
        assert (first.id, first.event) == (0, "progress")
        assert first.data == {
            "jobId": str(job_id),
            "status": "pending",
            "progress": 0.0,
            "processedResults": 0,
            "targetResults": 30,
            "processedRuns": 0,
            "step": 0,
            "error": None,
        }

        await step(stack.store, job_id, 0, 40.0, "a", "b")
        second = await stream.event()
        assert (second.id, second.event) == (2, "progress")
        assert second.data is not None
        assert (second.data["status"], second.data["progress"]) == ("processing", 40.0)
        assert (second.data["processedResults"], second.data["processedRuns"]) == (2, 1)

        await step(stack.store, job_id, 1, 100.0, "c", done=True)
        end = await stream.event()
        assert (end.id, end.event) == (5, "end")
        assert end.data is not None
        assert (end.data["status"], end.data["progress"], end.data["error"]) == (
            "completed",
            100.0,
            None,
        )
        assert (end.data["processedResults"], end.data["step"]) == (3, 2)
        assert await stream.next() is None  # closed after the end


async def test_cancelling_a_job_ends_its_stream(events_stack: ServiceStack) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    async with events(stack, job_id) as stream:
        assert (await stream.event()).event == "progress"

        cancel = await stack.client.post(f"/api/jobs/{job_id}/cancel", headers=stack.auth())
        assert cancel.status == 200, await cancel.text()

        end = await stream.event()
        assert end.event == "end"
        assert end.data is not None
        assert end.data["status"] == "cancelled"
        assert await stream.next() is None


async def test_a_change_made_by_another_instance_reaches_the_stream(
    events_stack: ServiceStack, second_store: Store
) -> None:
    """Instance B serves the stream; the job moves through instance A's store (its own
    connections): PostgreSQL's NOTIFY, or SQLite's poll, carries the change across."""
    stack = events_stack
    job_id = await new_job(second_store, stack.clock)
    async with events(stack, job_id) as stream:
        assert (await stream.event()).id == 0
        await step(second_store, job_id, 0, 25.0, "a")
        moved = await stream.event()
        assert moved.data is not None
        assert (moved.id, moved.data["progress"], moved.data["processedResults"]) == (2, 25.0, 1)
        assert await second_store.mark_status(job_id, JobStatus.ERROR, error="quota exhausted")
        end = await stream.event()
        assert end.data is not None
        assert (end.id, end.event, end.data["status"]) == (3, "end", "error")
        assert end.data["error"] == "quota exhausted"


async def test_progress_shown_never_goes_back(events_stack: ServiceStack) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    async with events(stack, job_id) as stream:
        await stream.event()
        await step(stack.store, job_id, 0, 50.0, "a")
        higher = await stream.event()
        assert higher.data is not None
        assert higher.data["progress"] == 50.0
        await step(stack.store, job_id, 1, 35.0, "b")  # a recount came out lower
        lower = await stream.event()
        assert lower.data is not None
        assert (lower.id, lower.data["processedResults"], lower.data["progress"]) == (4, 2, 50.0)


async def test_last_event_id_resumes_after_what_the_client_saw(events_stack: ServiceStack) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    await step(stack.store, job_id, 0, 10.0, "a")  # event 2
    async with events(stack, job_id, **{"Last-Event-ID": "2"}) as stream:
        # Nothing is resent: the first frame is the heartbeat the clock asks for.
        stack.clock.advance(TIMING.heartbeat_seconds)
        assert await stream.next() == Frame(comment="heartbeat")
        await step(stack.store, job_id, 1, 20.0, "b")
        resumed = await stream.event()
        assert resumed.data is not None
        assert (resumed.id, resumed.data["progress"]) == (4, 20.0)

    async with events(stack, job_id, **{"Last-Event-ID": "0"}) as stream:
        caught_up = await stream.event()  # the client missed events: the current state at once
        assert (caught_up.id, caught_up.event) == (4, "progress")


async def test_heartbeats_follow_the_injected_clock(events_stack: ServiceStack) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    async with events(stack, job_id) as stream:
        assert (await stream.next()) is not None  # the current state
        stack.clock.advance(TIMING.heartbeat_seconds)
        assert await stream.next() == Frame(comment="heartbeat")
        stack.clock.advance(TIMING.heartbeat_seconds)
        assert await stream.next() == Frame(comment="heartbeat")


async def test_a_finished_job_sends_one_end_event_and_closes(events_stack: ServiceStack) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    assert await stack.store.mark_status(job_id, JobStatus.ERROR, error="no such creator")
    async with events(stack, job_id, **{"Last-Event-ID": "1"}) as stream:
        end = await stream.event()
        assert end.data is not None
        assert (end.id, end.event, end.data["status"], end.data["error"]) == (
            1,
            "end",
            "error",
            "no such creator",
        )
        assert await stream.next() is None


async def test_an_overdue_job_times_out_on_the_stream(events_stack: ServiceStack) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    async with events(stack, job_id) as stream:
        await stream.event()
        stack.clock.advance(timedelta(hours=1).total_seconds())
        end = await stream.event()
        assert end.data is not None
        assert (end.event, end.data["status"]) == ("end", "timeout")
        assert end.data["error"] == "Job exceeded maximum allowed time"


@pytest.mark.parametrize(
    ("path", "user", "headers", "status", "error"),
    [
        ("{job}", "someone-else", {}, 404, "job not found"),
        ("{unknown}", "user-1", {}, 404, "job not found"),
        ("not-a-uuid", "user-1", {}, 404, "not found"),
        (
            "{job}",
            "user-1",
            {"Last-Event-ID": "-1"},
            400,
            "Last-Event-ID: must be an event id from this stream (digits only)",
        ),
    ],
)
async def test_errors_are_json_before_any_event(
    events_stack: ServiceStack,
    path: str,
    user: str,
    headers: dict[str, str],
    status: int,
    error: str,
) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    url = f"/api/jobs/{path.format(job=job_id, unknown=uuid4())}/events"
    response = await stack.client.get(url, headers={**stack.auth(user), **headers})
    assert (response.status, await response.json()) == (status, {"error": error})


async def test_a_stream_needs_credentials(events_stack: ServiceStack) -> None:
    job_id = await new_job(events_stack.store, events_stack.clock)
    response = await events_stack.client.get(f"/api/jobs/{job_id}/events")
    assert response.status == 401
    assert "error" in await response.json()


async def test_a_client_that_leaves_is_forgotten(events_stack: ServiceStack) -> None:
    stack = events_stack
    job_id = await new_job(stack.store, stack.clock)
    feed = stack.app[PARTS].job_changes
    async with events(stack, job_id) as stream:
        await stream.event()
        assert feed.watched == [job_id]
    # The server notices at its next write (a heartbeat) and lets the subscription go.
    async with asyncio.timeout(WAIT):
        while feed.watched:
            stack.clock.advance(TIMING.heartbeat_seconds)
            await asyncio.sleep(TIMING.poll_seconds)


async def test_a_client_gone_before_the_headers_is_no_server_error(
    stack: ServiceStack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = await new_job(stack.store, stack.clock)

    async def read_then_client_leaves(request: web.Request, user: Principal, wanted: UUID) -> Job:
        job = await own_job(request, user, wanted)
        assert request.transport is not None
        request.transport.close()  # the client leaves between the job read and the headers
        return job

    monkeypatch.setattr(job_events, "own_job", read_then_client_leaves)
    left = Heard("job_events_client_left")
    logging.getLogger("service").addHandler(left)
    try:
        with caplog.at_level(logging.INFO, logger="service"):
            with pytest.raises(aiohttp.ClientError):
                await stack.client.get(f"/api/jobs/{job_id}/events", headers=stack.auth())
            await asyncio.wait_for(left.heard.wait(), WAIT)
    finally:
        logging.getLogger("service").removeHandler(left)
    assert "unhandled_error" not in caplog.text
    assert stack.app[PARTS].job_changes.watched == []


async def test_open_streams_end_when_the_service_stops(store: Store, clock: ManualClock) -> None:
    job_id = await new_job(store, clock)
    async with service_stack(store, clock) as stack:
        url = f"{stack.url}/api/jobs/{job_id}/events"
        http = httpx.AsyncClient(timeout=WAIT)
        response = await http.send(
            http.build_request("GET", url, headers=stack.auth()), stream=True
        )
        frames = Frames(response)
        assert (await frames.event()).id == 0
    try:
        assert await frames.next() is None  # ended by the shutdown, not left hanging
    finally:
        await response.aclose()
        await http.aclose()


async def eventually(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        # The listener sets its session id from its own task; a flag is all there is to watch.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(TIMING.poll_seconds)


def require_postgres(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")


@asynccontextmanager
async def listening_stack(
    store: Store, clock: ManualClock
) -> AsyncIterator[tuple[ServiceStack, ListenChanges]]:
    """The stack on PostgreSQL, with its change feed."""
    require_postgres(store)
    async with service_stack(store, clock) as stack:
        feed = stack.app[PARTS].job_changes
        assert isinstance(feed, ListenChanges)
        yield stack, feed


@pytest.mark.postgres
async def test_the_listener_reconnects_after_its_connection_drops(
    store: Store, clock: ManualClock
) -> None:
    async with listening_stack(store, clock) as (stack, feed):
        job_id = await new_job(store, clock)
        async with events(stack, job_id) as stream:
            assert (await stream.event()).id == 0
            await eventually(lambda: feed.backend_pid is not None)
            dropped = feed.backend_pid
            async with store.engine.begin() as conn:
                await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
            await eventually(lambda: feed.backend_pid not in (None, dropped))
            await step(store, job_id, 0, 30.0, "a")
            moved = await stream.event()
            assert moved.data is not None
            assert (moved.id, moved.data["progress"]) == (2, 30.0)


async def _listening_sessions(store: Store) -> int:
    """Sessions LISTENing on the change channel (their last statement), as the server sees."""
    async with store.engine.connect() as conn:
        count = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN %scout_job_changes%' AND pid <> pg_backend_pid() "
                "AND datname = current_database() AND state = 'idle'"
            )
        )
    return int(count or 0)


@pytest.mark.postgres
async def test_an_instance_listens_only_while_someone_watches(
    store: Store, clock: ManualClock
) -> None:
    # Every instance LISTENing all the time would handle every job's notifications, so that
    # work per step would grow with the number of instances.
    async with listening_stack(store, clock) as (stack, feed):
        job_id = await new_job(store, clock)
        await step(store, job_id, 0, 30.0, "a")
        await asyncio.sleep(TIMING.poll_seconds)
        assert (feed.backend_pid, await _listening_sessions(store)) == (None, 0)

        async with events(stack, job_id) as stream:
            first = await stream.event()
            assert first.data is not None
            assert first.data["progress"] == 30.0
            await eventually(lambda: feed.backend_pid is not None)
            assert await _listening_sessions(store) == 1
            await step(store, job_id, 1, 60.0, "b")
            moved = await stream.event()
            assert moved.data is not None
            assert moved.data["progress"] == 60.0


@pytest.mark.postgres
async def test_the_listener_stops_after_the_last_subscriber_and_comes_back_for_the_next(
    store: Store, clock: ManualClock
) -> None:
    require_postgres(store)
    feed = ListenChanges(store.engine, retry=TIMING.poll_seconds, linger=0.2)
    await feed.start()
    try:
        job_id = await new_job(store, clock)
        with feed.subscribe(job_id) as first:
            await eventually(lambda: feed.backend_pid is not None)
            await step(store, job_id, 0, 30.0, "a")
            assert await first.wait(WAIT)
            with feed.subscribe(job_id):
                pass  # one of two leaving keeps the listener
            await asyncio.sleep(0.4)
            assert feed.backend_pid is not None
        # The linger passes with no subscriber: the session ends, on the server too.
        await eventually(lambda: feed.backend_pid is None)
        assert await _listening_sessions(store) == 0

        with feed.subscribe(job_id) as again:
            await eventually(lambda: feed.backend_pid is not None)
            # A new listener wakes everyone (what changed unheard must be re-read) as it
            # publishes its session id: take that wake-up first.
            assert await again.wait(WAIT)
            await step(store, job_id, 1, 60.0, "b")
            assert await again.wait(WAIT)
    finally:
        await feed.close()


async def test_the_document_describes_the_stream_and_its_errors(events_stack: ServiceStack) -> None:
    document = await (await events_stack.client.get("/openapi.json")).json()
    operation = document["paths"]["/api/jobs/{id}/events"]["get"]
    assert sorted(operation["responses"]) == ["200", "400", "401", "404"]
    event = operation["responses"]["200"]["content"]["text/event-stream"]["schema"]
    assert event["properties"]["event"]["enum"] == ["progress", "end"]
    data = event["properties"]["data"]["contentSchema"]["$ref"].rsplit("/", 1)[-1]
    assert set(document["components"]["schemas"][data]["properties"]) == {
        "jobId",
        "status",
        "progress",
        "processedResults",
        "targetResults",
        "processedRuns",
        "step",
        "error",
    }
    assert [p["name"] for p in operation["parameters"]] == ["id", "Last-Event-ID"]
