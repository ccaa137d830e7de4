"""The event log behind GET /v2/events: rendered events, newest last, bounded, persisted."""

from __future__ import annotations

from collections import deque

from multidict import MultiMapping

from emulator.qstash import filters
from emulator.qstash.models import Event, JsonDict, Message, Response
from emulator.qstash.store import Store
from emulator.qstash.views import event_json

DEFAULT_KEEP = 10_000  # QStash once documented "only the last 10.000 logs are kept"


class EventLog:
    def __init__(self, store: Store, *, keep: int = DEFAULT_KEEP) -> None:
        self._store = store
        self._keep = keep
        self._events: deque[tuple[int, JsonDict]] = deque(maxlen=keep)
        self._seq = 0

    def load(self, events: list[tuple[int, JsonDict]]) -> None:
        self._events.extend(events[-self._keep :])
        if events:
            self._seq = events[-1][0]

    def clear(self) -> None:
        self._events.clear()

    def record(
        self,
        state: str,
        message: Message,
        now: float,
        *,
        error: str | None = None,
        next_delivery_time: float | None = None,
        response: Response | None = None,
    ) -> None:
        self._seq += 1
        event = Event(self._seq, now, state, message, error, next_delivery_time, response)
        data = event_json(event)
        self._events.append((self._seq, data))
        self._store.save_event(self._seq, data, keep=self._keep)

    def states_of(self, message_id: str) -> list[str]:
        """Oldest first; a convenience for white-box tests and the control API."""
        return [e["state"] for _, e in self._events if e["messageId"] == message_id]

    def list(self, query: MultiMapping[str]) -> tuple[list[JsonDict], str | None]:
        match, _ = filters.build(query, time_key="time")
        newest_first = [(seq, e) for seq, e in reversed(self._events) if match(e)]
        return filters.page(newest_first, query, default=1000, maximum=1000)
