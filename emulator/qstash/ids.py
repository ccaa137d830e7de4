"""Identifiers in QStash's formats: msg_…, scd_… and DLQ ids."""

from __future__ import annotations

import os

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # base58
# Random bytes map onto the alphabet through one translate call: ids are made per message on
# the hot path, and a choice() per character costs more than the rest of a publish. The
# slight skew towards the first characters does not matter for identifiers.
_TABLE = bytes(ord(_ALPHABET[i % len(_ALPHABET)]) for i in range(256))


def _random(length: int) -> str:
    return os.urandom(length).translate(_TABLE).decode()


def message_id() -> str:
    return "msg_" + _random(28)


def schedule_id() -> str:
    return "scd_" + _random(28)


def dlq_id(now: float, seq: int) -> str:
    """QStash's observed shape: milliseconds, a dash, a sequence number."""
    return f"{int(now * 1000)}-{seq}"
