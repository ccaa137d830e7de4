"""The emulator's clock: wall time or a manual virtual time that moves only when told."""

from __future__ import annotations

import time
from collections.abc import Callable


class Clock:
    """Virtual unix time in seconds.

    In system mode it follows the wall clock plus an offset (so advancing it, or switching from
    manual mode, never makes time jump backwards); in manual mode it stands still until advanced.
    """

    def __init__(self, *, manual: bool = False, start: float | None = None) -> None:
        now = time.time()
        self._manual = manual
        self._frozen = now if start is None else start
        self._offset = 0.0 if start is None else start - now
        # Told how far time moved whenever it is moved on purpose, so a host embedding the
        # emulator in its own process can keep its own clock on the same virtual time.
        self.on_advance: list[Callable[[float], None]] = []

    @property
    def manual(self) -> bool:
        return self._manual

    def now(self) -> float:
        if self._manual:
            return self._frozen
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock cannot move backwards")
        if self._manual:
            self._frozen += seconds
        else:
            self._offset += seconds
        for listener in self.on_advance:
            listener(seconds)

    def set(self, ts: float) -> None:
        """Move to an absolute time; only forwards, so due entries never reappear in the past."""
        self.advance(max(0.0, ts - self.now()))

    def set_manual(self, manual: bool) -> None:
        if manual == self._manual:
            return
        now = self.now()
        self._manual = manual
        self._frozen = now
        self._offset = now - time.time()
