"""The QStash emulator's fault kinds: what a rule does to a matching delivery attempt."""

from __future__ import annotations

from emulator.faults import FaultBook, FaultSpec

# Delivery (emulator/qstash/delivery.py) carries these out; the rule model is emulator/faults.py.
SPEC = FaultSpec(
    target="url",
    kinds={
        "timeout": "send the attempt, then count it as timed out (the destination got it)",
        "status": (
            "fail the attempt with `status` (100-599) without calling the destination; "
            "`retry_after` adds a Retry-After header, which the retry honours"
        ),
        "duplicate": "send the attempt twice at once",
        "delay": "postpone the attempt by `delay` of virtual time; no retry is spent",
        "corrupt_signature": "send the attempt with a signature that fails verification",
    },
    lowest_status=100,
    needs_delay=frozenset({"delay"}),
)


def fault_book() -> FaultBook:
    return FaultBook(SPEC)
