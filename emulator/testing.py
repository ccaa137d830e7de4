"""What both emulators' in-process test handles share: the fault controls."""

from __future__ import annotations

from typing import Any

from emulator.faults import FaultBook, JsonDict


class FaultControls:
    """`fault()`, `faults()`, `clear_faults()`: POST, GET and DELETE …/faults, in-process.

    The same methods, with the same arguments, on the QStash emulator's and the mock's handles
    (and on contracts/control.py's HTTP clients).
    """

    def __init__(self, book: FaultBook) -> None:
        self._fault_book = book

    async def fault(self, match: str, kind: str, count: int = 1, **params: Any) -> JsonDict:
        """Arm a rule: the next `count` requests whose target `match` selects (a glob, else a
        substring) meet `kind`. `params` are the rest of the POST body: `status`, `delay`,
        `retry_after`. Bad input raises emulator.errors.FieldError naming the field."""
        fault = self._fault_book.add({"match": match, "kind": kind, "count": count, **params})
        return fault.to_json(self._fault_book.spec)

    async def faults(self) -> list[JsonDict]:
        """The armed rules, with the uses each has left."""
        return self._fault_book.rules()

    async def clear_faults(self) -> None:
        self._fault_book.clear()
