"""Ceilings for a CallGate in tests: a fixed number, or one a test changes as it goes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class Ceiling:
    """An adjustable ceiling (what the dynamic-config key would answer)."""

    def __init__(self, value: int) -> None:
        self.value = value

    async def __call__(self) -> int:
        return self.value


def fixed(value: int) -> Callable[[], Awaitable[int]]:
    return Ceiling(value)
