"""The event log behind GET /v2/events: rendered events, newest last, bounded, persisted."""

from __future__ import annotations

from collections import deque

from multidict import MultiMapping

from emulator.qstash import filters, rowjson
from emulator.qstash.changes import Changes
from emulator.qstash.models import Event, JsonDict, Message, Response
from emulator.qstash.store import Store
from emulator.qstash.views import event_json, event_message_json, event_own_json

DEFAULT_KEEP = 10_000  # QStash once documented "only the last 10.000 logs are kept"
# A message has no event after one of these, so when it leaves the window, so has the message.
FINAL_STATES = frozenset({"DELIVERED", "FAILED", "CANCELED"})


class EventLog:
    def __init__(
        self, store: Store, *, keep: int = DEFAULT_KEEP, changes: Changes | None = None
    ) -> None:
        self._store = store
        # Every message event is a change the dashboard's live feed reports.
        self._changes = changes or Changes()
        self._keep = keep
        # Live events stay compact (they point at their message) and are rendered on demand;
        # events loaded from disk after a restart are already rendered.
        self._events: deque[tuple[int, Event | JsonDict]] = deque(maxlen=keep)
        self._seq = 0
        # The share seq of messages known only through events loaded from disk (live events
        # reach theirs through their message's created_seq).
        self._loaded_shares: dict[str, int] = {}

    def load(self, events: list[tuple[int, JsonDict]], shares: list[tuple[str, int]]) -> None:
        kept = events[-self._keep :]
        self._events.extend(kept)
        ids = {data["messageId"] for _, data in kept}
        self._loaded_shares = {mid: seq for mid, seq in shares if mid in ids}
        if events:
            self._seq = events[-1][0]

    def clear(self) -> None:
        self._events.clear()
        self._loaded_shares.clear()

    def record(
        self,
        state: str,
        message: Message,
        now: float,
        *,
        error: str | None = None,
        next_delivery_time: float | None = None,
        response: Response | None = None,
    ) -> int:
        """Record an event; returns its seq."""
        self._seq += 1
        event = Event(self._seq, now, state, message, error, next_delivery_time, response)
        if len(self._events) == self._keep:
            self._leaving(self._events[0][1])
        self._events.append((self._seq, event))
        # On disk an event holds only its own fields and the message id; the message's share
        # (the same for all its events) is written once, with its first event.
        if state == "CREATED":
            self._store.save_event_message(
                message.id, self._seq, lambda: rowjson.dumps(event_message_json(message))
            )
        self._store.save_event(self._seq, lambda: _own_text(event), keep=self._keep)
        self._changes.notify("messages")
        return self._seq

    def _leaving(self, oldest: Event | JsonDict) -> None:
        """The oldest event leaves the window: if it was its message's last, so does the share.

        A share is needed while any event of its message is kept or may still come; this
        costs nothing per pending message, unlike rescanning them for the ones still needed."""
        if isinstance(oldest, dict):
            if oldest["state"] in FINAL_STATES:
                seq = self._loaded_shares.pop(oldest["messageId"], 0)
                if seq:
                    self._store.delete_event_share(seq)
        elif oldest.state in FINAL_STATES and oldest.message.created_seq:
            self._store.delete_event_share(oldest.message.created_seq)

    def forget(self, message_id: str, *, since: int) -> None:
        """Drop a refused message's events (seq >= since); they are the newest, so the scan
        stops at the first older one."""
        events = self._events
        index = len(events) - 1
        while index >= 0 and events[index][0] >= since:
            item = events[index][1]
            if (item["messageId"] if isinstance(item, dict) else item.message.id) == message_id:
                del events[index]
            index -= 1

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
