"""Per-creator detail calls with bounded concurrency and a per-handle cache shared by jobs."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from service.clock import Clock
from service.scrapecreators.client import ScrapeCreatorsClient
from service.scrapecreators.errors import FatalError
from service.scrapecreators.models import TikTokProfile, YouTubeChannel

T = TypeVar("T")
R = TypeVar("R")

CACHE_TTL = timedelta(minutes=15)
CACHE_SIZE = 5000
# Refusals about one handle (bad handle, not found, forbidden): the creator stays, without
# details. Key-level refusals (401, 402) still fail the job.
_PER_HANDLE_STATUSES = frozenset({400, 403, 404})


class _Cache:
    """A small LRU with expiry on the injected clock."""

    def __init__(self, clock: Clock, *, ttl: timedelta, size: int) -> None:
        self._clock = clock
        self._ttl = ttl
        self._size = size
        self._entries: OrderedDict[str, tuple[datetime, object]] = OrderedDict()

    def get(self, key: str) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock.now():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: object) -> None:
        self._entries[key] = (self._clock.now() + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


class Profiles:
    """TikTok profiles and YouTube channels by handle, each fetched once per cache lifetime."""

    def __init__(self, clock: Clock, *, ttl: timedelta = CACHE_TTL, size: int = CACHE_SIZE):
        self._cache = _Cache(clock, ttl=ttl, size=size)

    async def _cached(self, key: str, kind: type[T], fetch: Callable[[], Awaitable[T]]) -> T | None:
        hit = self._cache.get(key)
        if isinstance(hit, kind):
            return hit
        try:
            value = await fetch()
        except FatalError as error:
            if error.status in _PER_HANDLE_STATUSES:
                return None
            raise
        self._cache.put(key, value)
        return value

    async def tiktok(self, api: ScrapeCreatorsClient, handle: str) -> TikTokProfile | None:
        key = f"tiktok:{handle.lower()}"
        return await self._cached(key, TikTokProfile, lambda: api.tiktok_profile(handle))

    async def youtube(self, api: ScrapeCreatorsClient, handle: str) -> YouTubeChannel | None:
        key = f"youtube:{handle.lower()}"
        return await self._cached(key, YouTubeChannel, lambda: api.youtube_channel(handle))


async def bounded_map(
    items: Iterable[T], call: Callable[[T], Awaitable[R]], *, limit: int
) -> list[R]:
    """`call` over `items` with at most `limit` in flight; results in input order.

    The first failure cancels the calls still running (the step will be retried whole).
    """
    gate = asyncio.Semaphore(max(1, limit))

    async def one(item: T) -> R:
        async with gate:
            return await call(item)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    except ExceptionGroup as failures:
        # Surface one failure as itself, so the step classifies it like a single call's error.
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
