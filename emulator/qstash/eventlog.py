"""The event log behind GET /v2/events: rendered events, newest last, bounded, persisted."""

from __future__ import annotations

from collections import deque

from multidict import MultiMapping

from emulator.qstash import filters, rowjson
from emulator.qstash.models import Event, JsonDict, Message, Response
from emulator.qstash.store import Store
from emulator.qstash.views import event_json, event_message_json, event_own_json

DEFAULT_KEEP = 10_000  # QStash once documented "only the last 10.000 logs are kept"


class EventLog:
    def __init__(self, store: Store, *, keep: int = DEFAULT_KEEP) -> None:
        self._store = store
        self._keep = keep
        # Live events stay compact (they point at their message) and are rendered on demand;
        # events loaded from disk after a restart are already rendered.
        self._events: deque[tuple[int, Event | JsonDict]] = deque(maxlen=keep)
        self._seq = 0

    def load(self, events: list[tuple[int, JsonDict]]) -> None:
        self._events.extend((seq, data) for seq, data in events[-self._keep :])
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
        self._events.append((self._seq, event))
        # On disk an event holds only its own fields and the message id; the message's share
        # (the same for all its events) is written once, with its first event.
        if state == "CREATED":
            self._store.save_event_message(
                message.id, self._seq, lambda: rowjson.dumps(event_message_json(message))
            )
        self._store.save_event(self._seq, lambda: _own_text(event), keep=self._keep)

    def states_of(self, message_id: str) -> list[str]:
        """Oldest first; a convenience for white-box tests and the control API."""
        return [data["state"] for data in self._rendered() if data["messageId"] == message_id]

    def _rendered(self) -> list[JsonDict]:
        return [e if isinstance(e, dict) else event_json(e) for _, e in self._events]

    def list(self, query: MultiMapping[str]) -> tuple[list[JsonDict], str | None]:
        match, _ = filters.build(query, time_key="time")
        newest_first = []
        for seq, item in reversed(self._events):
            data = item if isinstance(item, dict) else event_json(item)
            if match(data):
                newest_first.append((seq, data))
        return filters.page(newest_first, query, default=1000, maximum=1000)


def _own_text(event: Event) -> str:
    """An event's own fields and its message id as JSON text (rendered at the store's hand-off)."""
    own = event_own_json(event)
    own["messageId"] = event.message.id
    return rowjson.dumps(own)
