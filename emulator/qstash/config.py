"""The emulator's settings, with the official dev server's well-known defaults."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DB = "qstash-emulator.sqlite3"
# The official dev server's first user (`@upstash/qstash-cli`'s defaults), so apps configured
# for it use us as is.
DEFAULT_TOKEN = "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0="
DEFAULT_CURRENT_KEY = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"
DEFAULT_NEXT_KEY = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs"
# Deliveries in flight per lane. More adds little throughput on loopback and makes every
# delivery wait behind more work in each loop iteration (measured with bench/).
DEFAULT_CONCURRENCY = 64


@dataclass(frozen=True)
class Config:
    db_path: str | None = None  # None: in memory only
    token: str = DEFAULT_TOKEN
    current_key: str = DEFAULT_CURRENT_KEY
    next_key: str = DEFAULT_NEXT_KEY
    manual_clock: bool = False
    start_time: float | None = None  # virtual start time; None = now
    concurrency: int = DEFAULT_CONCURRENCY  # deliveries in flight per lane (timed, immediate)
    default_timeout: float = 15 * 60.0  # per attempt, when Upstash-Timeout is not given
    # Seconds a delivered message stays readable by GET /v2/messages/{id}; 0 = gone at once.
    retain_delivered: float = 0.0
    quota: str = "none"  # a plan of quota.PLANS whose limits apply, or none
