"""The process-wide cap on concurrent ScrapeCreators calls, slowed down by 429s, then recovering."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta

from service.clock import Clock
from service.logs import get_logger
from service.metrics import Metrics
from service.scrapecreators.errors import Throttled

log = get_logger("service.scrapecreators")

# A 429 without Retry-After pauses the process this long. It is at most the shortest retry
# backoff (qstash_delays.retry_base_delay >= 1s), so the step that met the 429 is never refused
# by its own pause when QStash brings it back.
DEFAULT_PAUSE = 1.0
# A longer Retry-After pauses the other jobs only this long (the step that met it still waits
# all of it, through its QStash delay): a bogus or huge value cannot stall the whole process.
MAX_PAUSE = 30.0


class CallSlot:
    """One call's place at the gate; the client reports the answer's status before leaving."""

    __slots__ = ("epoch", "retry_after", "status")

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self.status: int | None = None
        self.retry_after: float | None = None

    def answered(self, status: int, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after


class CallGate:
    """At most `limit` ScrapeCreators calls in flight across every job of the process.

    The ceiling is read for every call (a dynamic-config key). A 429 halves the limit, once
    per congestion event (a 429 to a call sent before the last halving does not halve it
    again), and pauses the process until its Retry-After (at most MAX_PAUSE): meanwhile no
    call starts, and a call asking for a slot (or queued for one) fails at once with
    `Throttled`, so its step is delivered again by QStash after the pause instead of holding
    its webhook request (and the virtual-time tests never wait on a clock inside a delivery).
    Recovery is additive: each `limit` successful calls sent after the last halving add one
    slot back, up to the ceiling. Timeouts and 5xx leave the limit as it is.
    """

    def __init__(
        self, clock: Clock, ceiling: Callable[[], Awaitable[int]], metrics: Metrics
    ) -> None:
        self._clock = clock
        self._ceiling_of = ceiling
        self._metrics = metrics
        self._ceiling = 1
        self._reduced: int | None = None  # None: at the ceiling, whatever the ceiling is
        self._epoch = 0  # bumped by each halving
        self._successes = 0  # since the last change of `_reduced`
        self._paused_until: datetime | None = None
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """The calls allowed in flight now (the ceiling, or less after 429s)."""
        return self._ceiling if self._reduced is None else min(self._reduced, self._ceiling)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    def paused_for(self) -> float:
        """Seconds left of the pause a 429 started (0 when calls may start)."""
        if self._paused_until is None:
            return 0.0
        left = (self._paused_until - self._clock.now()).total_seconds()
        return max(0.0, left)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[CallSlot]:
        """Hold a slot for one call; raises Throttled while the process is paused."""
        await self._acquire()
        slot = CallSlot(self._epoch)
        try:
            yield slot
        finally:
            self._in_flight -= 1
            if slot.status == 429:
                self._rate_limited(slot)
            elif slot.status is not None and 200 <= slot.status < 300:
                self._succeeded(slot)
            self._wake()
            self._show()

    async def _acquire(self) -> None:
        self._ceiling = max(1, await self._ceiling_of())
        self._refuse_if_paused()
        if not self._waiters and self._in_flight < self.limit:
            self._in_flight += 1
            self._show()
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # _wake counts the slot as taken before it resolves the waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._in_flight -= 1  # granted just as the caller gave up: pass it on
                self._wake()
            else:
                self._discard(waiter)
            raise
        self._show()

    def _refuse_if_paused(self) -> None:
        left = self.paused_for()
        if left > 0:
            self._metrics.scrapecreators_throttled.inc()
            raise Throttled(left)
        self._paused_until = None

    def _discard(self, waiter: asyncio.Future[None]) -> None:
        with suppress(ValueError):
            self._waiters.remove(waiter)

    def _wake(self) -> None:
        while self._waiters and self._in_flight < self.limit:
            waiter = self._waiters.popleft()
            if waiter.done():
                continue
            self._in_flight += 1
            waiter.set_result(None)

    def _rate_limited(self, slot: CallSlot) -> None:
        pause = DEFAULT_PAUSE if slot.retry_after is None else slot.retry_after
        pause = min(max(pause, 0.0), MAX_PAUSE)
        until = self._clock.now() + timedelta(seconds=pause)
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until
        if slot.epoch == self._epoch:
            # Calls sent before this halving may still bring 429s: the same congestion.
            self._epoch += 1
            self._reduced = max(1, self.limit // 2)
            self._successes = 0
            log.warning("scrapecreators_slowed_down", limit=self._reduced, pause_seconds=pause)
        # Queued calls would only meet the pause when their turn comes: refuse them now.
        left = self.paused_for()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._metrics.scrapecreators_throttled.inc()
                waiter.set_exception(Throttled(left))

    def _succeeded(self, slot: CallSlot) -> None:
        if self._reduced is None or slot.epoch != self._epoch:
            return
        self._successes += 1
        if self._successes >= self._reduced:
            self._successes = 0
            self._reduced += 1
            if self._reduced >= self._ceiling:
                self._reduced = None

    def _show(self) -> None:
        self._metrics.scrapecreators_call_limit.set(self.limit)
        self._metrics.scrapecreators_in_flight.set(self._in_flight)
