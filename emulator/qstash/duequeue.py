"""The single due-queue: a heap of (deliver_at, ticket, item) for messages and schedule ticks."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Protocol


class Ticketed(Protocol):
    """Anything queued carries the ticket of its live entry; older entries are skipped."""

    seq: int


class DueQueue:
    """Delays, retries, schedule ticks (and, later, flow-control waits) are all a deliver_at.

    Rescheduling or cancelling never searches the heap: the item gets a new ticket (or ticket 0)
    and the old entry is dropped lazily when it reaches the top.
    """

    def __init__(self, on_earlier: Callable[[], None] = lambda: None) -> None:
        self._heap: list[tuple[float, int, Ticketed]] = []
        self._tickets = itertools.count(1)
        self.on_earlier = on_earlier

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, when: float, item: Ticketed) -> None:
        ticket = next(self._tickets)
        item.seq = ticket
        earliest = self._heap[0][0] if self._heap else None
        heapq.heappush(self._heap, (when, ticket, item))
        if earliest is None or when < earliest:
            self.on_earlier()

    @staticmethod
    def forget(item: Ticketed) -> None:
        item.seq = 0

    def _trim(self) -> None:
        heap = self._heap
        while heap and heap[0][2].seq != heap[0][1]:
            heapq.heappop(heap)

    def next_time(self) -> float | None:
        self._trim()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> Ticketed | None:
        self._trim()
        if self._heap and self._heap[0][0] <= now:
            item = heapq.heappop(self._heap)[2]
            item.seq = 0
            return item
        return None

    def clear(self) -> None:
        self._heap.clear()
