"""A ceiling for a CallGate in tests: a number a test may change as it goes."""

from __future__ import annotations


class Ceiling:
    """An adjustable ceiling (what the dynamic-config key would answer)."""

    def __init__(self, value: int) -> None:
        self.value = value

    async def __call__(self) -> int:
        return self.value
