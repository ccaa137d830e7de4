"""Job change feed: wakes in-process subscribers when a job row changes, on any instance.

PostgreSQL: one LISTEN connection per service instance hears the `scout_job_changes`
notifications the 0004 trigger sends on commit, while the instance has subscribers (and for a
while after the last one leaves, so a client's reconnects do not reopen it each time): an
instance nobody watches through it neither holds the connection nor handles every job's
notifications, so that work does not grow with the number of instances. SQLite (no NOTIFY):
one task polls the subscribed jobs' rows. Either way a wake-up only says "re-read this job";
subscribers read the row themselves, so a spurious wake-up is harmless and a missed one is
the only bug.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from service.logs import get_logger
from service.store.tables import scraping_jobs as jobs

log = get_logger("service.store.changes")

CHANNEL = "scout_job_changes"
# Seconds the PostgreSQL listener stays after its last subscriber left.
LISTEN_LINGER_SECONDS = 30.0
# What a subscriber can observe of a job: a change in any of these is worth a wake-up.
_WATCHED = (jobs.c.status, jobs.c.step, jobs.c.progress, jobs.c.processed_results)


class Subscription:
    """One subscriber's wake-up flag for one job."""

    def __init__(self, feed: JobChanges, job_id: UUID) -> None:
        self.job_id = job_id
        self._feed = feed
        self._woken = asyncio.Event()

    def wake(self) -> None:
        self._woken.set()

    @property
    def closed(self) -> bool:
        """The feed is closing (the service stops): the subscriber should end."""
        return self._feed.closed

    async def wait(self, seconds: float) -> bool:
        """Wait at most `seconds` for a wake-up; True when there was one."""
        try:
            async with asyncio.timeout(seconds):
                await self._woken.wait()
        except TimeoutError:
            return False
        self._woken.clear()
        return True


class JobChanges:
    """The fan-out every feed shares; `start` and `close` run its source of changes."""

    def __init__(self) -> None:
        self._subscribers: dict[UUID, set[Subscription]] = {}
        self._task: asyncio.Task[None] | None = None
        # Set whenever subscribers come or go (or, for the listener, its connection drops): a
        # source that runs on demand waits on it.
        self._demand = asyncio.Event()
        self.closed = False

    @contextlib.contextmanager
    def subscribe(self, job_id: UUID) -> Iterator[Subscription]:
        subscription = Subscription(self, job_id)
        self._subscribers.setdefault(job_id, set()).add(subscription)
        self._demand.set()
        try:
            yield subscription
        finally:
            group = self._subscribers.get(job_id, set())
            group.discard(subscription)
            if not group:
                self._subscribers.pop(job_id, None)
            self._demand.set()

    async def _demand_changes(self, seconds: float | None = None) -> bool:
        """Wait until subscribers come or go (False after `seconds` without a change)."""
        self._demand.clear()
        try:
            async with asyncio.timeout(seconds):
                await self._demand.wait()
        except TimeoutError:
            return False
        return True

    def notify(self, job_id: UUID) -> None:
        for subscription in self._subscribers.get(job_id, ()):
            subscription.wake()

    def notify_all(self) -> None:
        for group in self._subscribers.values():
            for subscription in group:
                subscription.wake()

    @property
    def watched(self) -> list[UUID]:
        return list(self._subscribers)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=type(self).__name__)

    async def close(self) -> None:
        """End every subscription (each wakes and sees `closed`) and stop the source."""
        self.closed = True
        self.notify_all()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        raise NotImplementedError


class PollingChanges(JobChanges):
    """SQLite: read the watched jobs' state every `interval` seconds, wake those that moved."""

    def __init__(self, engine: AsyncEngine, *, interval: float) -> None:
        super().__init__()
        self._engine = engine
        self._interval = interval

    async def _states(self, ids: list[UUID]) -> dict[UUID, tuple[Any, ...]]:
        query = sa.select(jobs.c.id, *_WATCHED).where(jobs.c.id.in_(ids))
        async with self._engine.connect() as conn:
            return {row[0]: tuple(row[1:]) for row in await conn.execute(query)}

    async def _run(self) -> None:
        seen: dict[UUID, tuple[Any, ...]] = {}
        while True:
            await asyncio.sleep(self._interval)
            ids = self.watched
            try:
                states = await self._states(ids) if ids else {}
            except Exception as error:  # a busy or missing database: try again next round
                log.warning("job_changes_poll_failed", reason=repr(error))
                continue
            for job_id, state in states.items():
                # A job seen for the first time wakes too: it may have changed between its
                # subscriber's first read and this poll.
                if seen.get(job_id) != state:
                    self.notify(job_id)
            seen = states


class ListenChanges(JobChanges):
    """PostgreSQL: LISTEN on a dedicated connection while there are subscribers (and `linger`
    seconds after the last one left), reconnecting after `retry` seconds when it drops."""

    def __init__(
        self, engine: AsyncEngine, *, retry: float, linger: float = LISTEN_LINGER_SECONDS
    ) -> None:
        super().__init__()
        self._engine = engine
        self._retry = retry
        self._linger = linger
        self.backend_pid: int | None = None  # the listening session (tests end it on purpose)

    def _on_notification(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            job_id = UUID(payload)
        except ValueError:
            return  # not ours: the channel is database-wide
        self.notify(job_id)

    async def _unwatched_for_linger(self, lost: asyncio.Event) -> bool:
        """True once no one has subscribed for `linger` seconds; False when the connection
        drops first (its loss also sets `_demand`, so no wait outlasts it)."""
        while not lost.is_set():
            if self._subscribers:
                await self._demand_changes()
            elif not await self._demand_changes(self._linger) and not self._subscribers:
                return True
        return False

    async def _listen_once(self) -> bool:
        """LISTEN until the connection drops (False) or no one watches any more (True)."""
        async with self._engine.connect() as conn:
            try:
                driver: Any = (await conn.get_raw_connection()).driver_connection
                lost = asyncio.Event()

                def on_lost(_conn: object) -> None:
                    lost.set()
                    self._demand.set()

                driver.add_termination_listener(on_lost)
                await driver.add_listener(CHANNEL, self._on_notification)
                self.backend_pid = driver.get_server_pid()
                # Changes committed while no one listened were never heard: re-read them all.
                self.notify_all()
                log.info("job_changes_listening", channel=CHANNEL)
                return await self._unwatched_for_linger(lost)
            finally:
                self.backend_pid = None
                # Never hand a LISTENing session back to the pool.
                await conn.invalidate()

    async def _run(self) -> None:
        while True:
            while not self._subscribers:
                await self._demand_changes()
            try:
                if await self._listen_once():
                    log.info("job_changes_idle", channel=CHANNEL)
                    continue
                log.warning("job_changes_connection_lost", channel=CHANNEL)
            except Exception as error:
                log.warning("job_changes_listen_failed", reason=repr(error))
            await asyncio.sleep(self._retry)


def job_changes(engine: AsyncEngine, *, interval: float) -> JobChanges:
    """The feed for this engine: LISTEN/NOTIFY on PostgreSQL, polling elsewhere."""
    if engine.dialect.name == "postgresql":
        return ListenChanges(engine, retry=interval)
    return PollingChanges(engine, interval=interval)
