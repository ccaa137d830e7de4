"""Identifiers in QStash's formats: msg_…, scd_… and DLQ ids."""

from __future__ import annotations

import secrets

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # base58


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def message_id() -> str:
    return "msg_" + _random(28)


def schedule_id() -> str:
    return "scd_" + _random(28)


def dlq_id(now: float, seq: int) -> str:
    """QStash's observed shape: milliseconds, a dash, a sequence number."""
    return f"{int(now * 1000)}-{seq}"
