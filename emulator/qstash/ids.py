"""Identifiers in QStash's formats: msg_…, scd_… and DLQ ids."""

from __future__ import annotations

import os
import random

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # base58
# Ids are made per message on the hot path: random bytes from a PRNG seeded once by the OS (ids
# must be unique, not secret; a getrandom syscall per id is slow on busy VMs) map onto the
# alphabet through one translate call. The slight skew towards the first characters is harmless.
_TABLE = bytes(ord(_ALPHABET[i % len(_ALPHABET)]) for i in range(256))
_RNG = random.Random(os.urandom(32))


def _random(length: int) -> str:
    return _RNG.getrandbits(8 * length).to_bytes(length, "big").translate(_TABLE).decode()


def message_id() -> str:
    return "msg_" + _random(28)


def schedule_id() -> str:
    return "scd_" + _random(28)


def dlq_id(now: float, seq: int) -> str:
    """QStash's observed shape: milliseconds, a dash, a sequence number."""
    return f"{int(now * 1000)}-{seq}"
