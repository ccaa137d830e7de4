"""The process-wide call gate: its cap, the pause and halving after a 429, and the recovery."""

from __future__ import annotations

import asyncio

import pytest

from service.clock import ManualClock
from service.metrics import Metrics
from service.scrapecreators.errors import RetryableError, Throttled
from service.scrapecreators.gate import DEFAULT_PAUSE, MAX_PAUSE, CallGate
from tests.service.scrapecreators.gates import Ceiling


class Call:
    """A call holding a gate slot until the test answers it with a status."""

    def __init__(self, gate: CallGate) -> None:
        self.gate = gate
        self.started = asyncio.Event()
        self._answer: asyncio.Future[tuple[int, float | None]] = (
            asyncio.get_running_loop().create_future()
        )
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async with self.gate.slot() as slot:
            self.started.set()
            status, retry_after = await self._answer
            slot.answered(status, retry_after)

    async def answer(self, status: int = 200, retry_after: float | None = None) -> None:
        self._answer.set_result((status, retry_after))
        await self.task


async def settle() -> None:
    """Let every runnable task run (no wall time: only turns of the event loop)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def calls(gate: CallGate, count: int) -> list[Call]:
    started = [Call(gate) for _ in range(count)]
    await settle()
    return started


def running(started: list[Call]) -> int:
    return sum(call.started.is_set() and not call.task.done() for call in started)


async def finish(gate: CallGate, count: int, status: int = 200) -> None:
    """`count` calls, one after another, each answered `status` at once."""
    for _ in range(count):
        async with gate.slot() as slot:
            slot.answered(status)


@pytest.fixture
def ceiling() -> Ceiling:
    return Ceiling(4)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def gate(clock: ManualClock, ceiling: Ceiling, metrics: Metrics) -> CallGate:
    return CallGate(clock, ceiling, metrics)


async def test_no_more_calls_than_the_ceiling_run_and_the_next_go_in_order(
    gate: CallGate, metrics: Metrics
) -> None:
    started = await calls(gate, 6)

    assert (running(started), gate.waiting) == (4, 2)
    assert metrics.scrapecreators_in_flight._value.get() == 4
    assert metrics.scrapecreators_call_limit._value.get() == 4
    await started[1].answer()
    await settle()
    assert [call.started.is_set() for call in started] == [True] * 5 + [False]
    for call in started:
        if not call.task.done():
            await call.answer()
    assert (gate.in_flight, gate.waiting) == (0, 0)
    assert metrics.scrapecreators_in_flight._value.get() == 0


async def test_the_ceiling_is_read_for_every_call(gate: CallGate, ceiling: Ceiling) -> None:
    first = await calls(gate, 4)
    ceiling.value = 2
    later = await calls(gate, 1)
    for call in first[:2]:
        await call.answer()
    await settle()
    assert not later[0].started.is_set()  # still 2 in flight: at the new ceiling

    await first[2].answer()
    await settle()
    assert later[0].started.is_set()
    await first[3].answer()
    await later[0].answer()


async def test_a_429_pauses_every_call_until_its_retry_after(
    gate: CallGate, clock: ManualClock, metrics: Metrics
) -> None:
    [limited] = await calls(gate, 1)
    await limited.answer(429, retry_after=7)

    with pytest.raises(Throttled) as refused:
        await finish(gate, 1)
    assert refused.value.retry_after == 7
    assert isinstance(refused.value, RetryableError)
    assert refused.value.status == 429
    assert refused.value.message == "ScrapeCreators: rate limited (calls paused for 7s after a 429)"
    clock.advance(6.5)
    with pytest.raises(Throttled) as still:
        await finish(gate, 1)
    assert still.value.retry_after == 0.5
    assert metrics.scrapecreators_throttled._value.get() == 2

    clock.advance(0.5)
    await finish(gate, 1)  # the pause is over


@pytest.mark.parametrize(
    ("retry_after", "pause"), [(None, DEFAULT_PAUSE), (3600.0, MAX_PAUSE), (0.0, 0.0)]
)
async def test_the_pause_without_retry_after_or_past_the_bound(
    gate: CallGate, clock: ManualClock, retry_after: float | None, pause: float
) -> None:
    [limited] = await calls(gate, 1)
    await limited.answer(429, retry_after=retry_after)

    assert gate.paused_for() == pause
    clock.advance(pause)
    await finish(gate, 1)


async def test_calls_queued_for_a_slot_are_refused_as_soon_as_a_429_comes(
    gate: CallGate,
) -> None:
    started = await calls(gate, 6)
    queued = [call for call in started if not call.started.is_set()]

    await started[0].answer(429, retry_after=5)
    await settle()

    for call in queued:
        assert call.task.done()
        assert isinstance(call.task.exception(), Throttled)
    assert gate.waiting == 0
    for call in started[1:4]:
        await call.answer()


async def test_a_429_halves_the_limit_once_per_congestion(
    gate: CallGate, clock: ManualClock, metrics: Metrics
) -> None:
    started = await calls(gate, 4)
    # Three calls sent together meet the same congestion: one halving, not three.
    for call in started[:3]:
        await call.answer(429)
    await started[3].answer(429)
    assert gate.limit == 2
    assert metrics.scrapecreators_call_limit._value.get() == 2

    clock.advance(DEFAULT_PAUSE)
    [after] = await calls(gate, 1)
    await after.answer(429)  # sent after the halving: a new congestion
    assert gate.limit == 1


async def test_the_limit_comes_back_one_slot_per_limit_successes(
    gate: CallGate, clock: ManualClock
) -> None:
    started = await calls(gate, 4)
    await started[0].answer(429)
    clock.advance(DEFAULT_PAUSE)
    for call in started[1:]:
        await call.answer()  # sent before the halving: they prove nothing about the new limit
    assert gate.limit == 2

    await finish(gate, 1)
    assert gate.limit == 2
    await finish(gate, 1)
    assert gate.limit == 3
    await finish(gate, 2)
    assert gate.limit == 3
    await finish(gate, 1)
    assert gate.limit == 4  # back at the ceiling
    await finish(gate, 10)
    assert gate.limit == 4


async def test_after_recovery_the_limit_follows_the_ceiling_again(
    gate: CallGate, ceiling: Ceiling, clock: ManualClock
) -> None:
    [limited] = await calls(gate, 1)
    await limited.answer(429)
    clock.advance(DEFAULT_PAUSE)
    await finish(gate, 2 + 3)
    assert gate.limit == 4

    ceiling.value = 8
    started = await calls(gate, 8)
    assert running(started) == 8
    for call in started:
        await call.answer()


async def test_errors_other_than_429_leave_the_limit_alone(gate: CallGate) -> None:
    for status in (500, 503, 402, 404):
        await finish(gate, 1, status)
    async with gate.slot():
        pass  # a timeout: no status reported

    assert (gate.limit, gate.paused_for()) == (4, 0.0)


async def test_a_caller_giving_up_in_the_queue_takes_no_slot(gate: CallGate) -> None:
    started = await calls(gate, 5)
    started[4].task.cancel()
    await settle()

    for call in started[:4]:
        await call.answer()
    assert (gate.in_flight, gate.waiting) == (0, 0)
    await finish(gate, 4)
