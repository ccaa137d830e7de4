"""Delivered messages kept readable for a while (`--retain-delivered`), as QStash does briefly."""

from __future__ import annotations

from collections import OrderedDict

from emulator.qstash.models import Message

# Bounds the memory a long run on a clock that stands still (manual mode) can take.
MAX_RETAINED = 10_000


class Retained:
    """Recently delivered messages, each until `seconds` after its delivery (emulator clock).

    Kept in memory only: the window is meant to be short, so a restart simply ends it.
    """

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        # message id -> (message, when it vanishes); insertion order is expiry order, because
        # the window is fixed and the clock never moves backwards.
        self._kept: OrderedDict[str, tuple[Message, float]] = OrderedDict()

    def keep(self, message: Message, now: float) -> None:
        if self.seconds <= 0:
            return
        self._prune(now)
        self._kept[message.id] = (message, now + self.seconds)
        if len(self._kept) > MAX_RETAINED:
            self._kept.popitem(last=False)

    def get(self, message_id: str, now: float) -> Message | None:
        self._prune(now)
        found = self._kept.get(message_id)
        return None if found is None else found[0]

    def clear(self) -> None:
        self._kept.clear()

    def _prune(self, now: float) -> None:
        kept = self._kept
        while kept:
            first = next(iter(kept.values()))
            if first[1] > now:
                return
            kept.popitem(last=False)
