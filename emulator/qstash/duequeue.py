"""The single due-queue: a heap of (deliver_at, ticket, item) for messages and schedule ticks."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from typing import Protocol


class Ticketed(Protocol):
    """Anything queued carries the ticket of its live entry; older entries are skipped."""

    seq: int


_Entry = tuple[float, int, "Ticketed"]


class DueQueue:
    """Delays, retries, schedule ticks (and, later, flow-control waits) are all a deliver_at.

    Two lanes: what is due the moment it is pushed waits in a FIFO (no ordering work), what is
    due later waits in a heap ordered by deliver_at. Keeping them apart lets the dispatcher give
    timed items their own delivery slots, so a flood of immediate messages never makes a
    delayed one late. Rescheduling or cancelling never searches: the item gets a new ticket (or
    ticket 0) and its old entry is dropped lazily when it reaches the front.
    """

    def __init__(self, on_earlier: Callable[[], None] = lambda: None) -> None:
        self._heap: list[_Entry] = []
        self._fifo: deque[_Entry] = deque()
        self._tickets = itertools.count(1)
        self.on_earlier = on_earlier

    def __len__(self) -> int:
        return len(self._heap) + len(self._fifo)

    def push(self, when: float, item: Ticketed, *, now: float | None = None) -> None:
        """Queue `item` for `when`; with `now` given and `when <= now`, in the immediate lane."""
        ticket = next(self._tickets)
        item.seq = ticket
        if now is not None and when <= now:
            self._fifo.append((when, ticket, item))
            self.on_earlier()
            return
        earliest = self._heap[0][0] if self._heap else None
        heapq.heappush(self._heap, (when, ticket, item))
        if earliest is None or when < earliest:
            self.on_earlier()

    @staticmethod
    def forget(item: Ticketed) -> None:
        item.seq = 0

    def _trim(self) -> None:
        heap, fifo = self._heap, self._fifo
        while heap and heap[0][2].seq != heap[0][1]:
            heapq.heappop(heap)
        while fifo and fifo[0][2].seq != fifo[0][1]:
            fifo.popleft()

    def next_time(self) -> float | None:
        """The earliest deliver_at of either lane."""
        self._trim()
        times = [lane[0][0] for lane in (self._heap, self._fifo) if lane]
        return min(times) if times else None

    def immediate_waiting(self) -> bool:
        self._trim()
        return bool(self._fifo)

    def next_timed(self) -> float | None:
        self._trim()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float, *, timed: bool) -> Ticketed | None:
        """The next due item of one lane (timed: the heap; else the FIFO), or None."""
        self._trim()
        entry: _Entry | None = None
        if timed and self._heap and self._heap[0][0] <= now:
            entry = heapq.heappop(self._heap)
        elif not timed and self._fifo:
            entry = self._fifo.popleft()
        if entry is None:
            return None
        entry[2].seq = 0
        return entry[2]

    def clear(self) -> None:
        self._heap.clear()
        self._fifo.clear()
