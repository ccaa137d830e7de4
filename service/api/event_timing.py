"""The timing of job event streams: how often they speak when idle, and how often they look."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventTiming:
    heartbeat_seconds: float = 15.0  # on the injected clock: a `: heartbeat` comment when idle
    # Wall clock: the SQLite poll, a stream's wake-up for heartbeats and timeouts, and the
    # delay before the PostgreSQL listener reconnects.
    poll_seconds: float = 0.5
