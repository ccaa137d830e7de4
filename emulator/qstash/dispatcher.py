"""The dispatcher: pops what is due from the one due-queue and runs deliveries, bounded."""

from __future__ import annotations

import asyncio
import functools
import logging

from emulator.qstash.config import DEFAULT_CONCURRENCY
from emulator.qstash.delivery import Delivery
from emulator.qstash.models import Message, Response, Schedule
from emulator.qstash.schedules import fire
from emulator.qstash.state import Outcome, State

log = logging.getLogger("emulator.qstash")
ADMISSION_TURNS = 8  # loop turns a publish yields to lagging deliveries, at most


class Dispatcher:
    """Delivers due messages and fires due schedule ticks.

    With the system clock a single timer sleeps until the earliest timed deliver_at (and is
    woken when something earlier, or anything immediate, arrives). With the manual
    clock nothing runs on its own: `drain`, `advance` and `run_until_idle` move virtual time
    and deliver, so tests never sleep. While paused, no new attempt starts on either clock;
    what is due stays due (publishing goes on) and starts on resume.

    Publishing never waits for deliveries: a receiver may publish from inside its handler,
    holding a delivery slot while it does, so a publish that waited for a free slot could wait
    on itself. While immediate deliveries lag, a publish lets them go first for a few loop
    turns (`admission`), and then goes on whatever they did.
    """

    def __init__(
        self, state: State, delivery: Delivery, *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        self.state = state
        self.delivery = delivery
        self.concurrency = concurrency
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None
        self._busy = {True: 0, False: 0}  # deliveries in flight per lane (timed, immediate)
        self.paused = False
        state.due.on_earlier = self.wake

    # ---- running on the system clock -------------------------------------------------------

    def start(self) -> None:
        if self._timer is None:
            self._timer = asyncio.create_task(self._run(), name="qstash-dispatcher")

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
            self._timer = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def wake(self) -> None:
        self._wake.set()

    def pause(self) -> None:
        """Start no new attempt until `resume`; attempts in flight run to their end."""
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        clock = self.state.clock
        while True:
            self._wake.clear()
            handle = None
            if not clock.manual and not self.paused:
                self.launch_due()
                when = self.state.due.next_timed()
                if when is not None and self._busy[True] < self.concurrency:
                    # The timer launches directly (not via this task) to save a loop iteration.
                    handle = loop.call_later(max(0.0, when - clock.now()), self._on_timer)
            await self._wake.wait()
            if handle is not None:
                handle.cancel()

    def _on_timer(self) -> None:
        self.launch_due()
        self._wake.set()  # re-arm the timer for the next timed item

    # ---- the shared core -------------------------------------------------------------------

    def launch_due(self) -> int:
        """Start everything due now, each lane up to its bound; return how many started.

        Timed items (delays, retries, schedule ticks) and immediate ones have separate slots,
        so a flood of immediate publishes never holds up a message whose time has come.
        """
        if self.paused:
            return 0
        state = self.state
        now = state.now()
        started = 0
        for timed in (True, False):
            while self._busy[timed] < self.concurrency:
                item = state.due.pop_due(now, timed=timed)
                if item is None:
                    break
                if isinstance(item, Schedule):
                    fire(state, item)
                    continue
                assert isinstance(item, Message)
                if not state.admit(item):
                    continue  # parked in its queue until a slot frees
                self._busy[timed] += 1
                task = asyncio.create_task(self._deliver(item))
                self._tasks.add(task)
                task.add_done_callback(functools.partial(self._done, timed))
                started += 1
        return started

    async def admission(self) -> None:
        """Give lagging immediate deliveries a few loop turns before this publish is accepted.

        Bounded by turns, not by any delivery finishing, so it cannot wait on itself; it keeps
        the backlog short (short-lived messages are cheap: they die young, before the garbage
        collector has to walk them), which measurably raises throughput under a flood.
        """
        for _ in range(ADMISSION_TURNS):
            if self._busy[False] < self.concurrency or not self.state.due.immediate_waiting():
                return
            await asyncio.sleep(0)

    def _done(self, timed: bool, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._busy[timed] -= 1
        # Only a full lane needs the timer task woken for the freed slot; anything the attempt
        # made due went through the due-queue, which wakes it when needed.
        if self._busy[timed] + 1 >= self.concurrency:
            self._wake.set()

    async def _deliver(self, message: Message) -> None:
        state = self.state
        if not await state.persisted(message):
            return  # refused by the disk (its publish answered 500) or cancelled meanwhile
        state.started(message)
        try:
            outcome = await self.delivery.attempt(message)
        except Exception as exc:
            # A bug of ours must not strand the message in flight: count it as a failed attempt.
            log.exception("delivery of %s crashed", message.id)
            outcome = Outcome(Response(status=0, error=f"emulator error: {exc!r}"))
        state.finished(message, outcome)

    # ---- driving virtual time --------------------------------------------------------------

    async def drain(self) -> None:
        """Deliver everything due now, and what those deliveries make due now; return when idle."""
        while True:
            self.launch_due()
            if not self._tasks:
                return
            await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)

    async def advance(self, seconds: float) -> None:
        """Move the clock forward, stopping at every due time on the way, so each delivery,
        retry and schedule tick happens at its own virtual time."""
        clock = self.state.clock
        target = clock.now() + seconds
        await self.run_until_idle(seconds)
        clock.set(target)
        await self.drain()

    async def run_until_idle(self, limit: float) -> None:
        """Jump to each next due time and drain, until nothing is pending or `limit` has passed."""
        clock = self.state.clock
        end = clock.now() + limit
        await self.drain()
        while not self.paused and (when := self.state.due.next_time()) is not None and when <= end:
            clock.set(when)
            await self.drain()
