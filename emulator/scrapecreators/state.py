"""The mock's configuration and mutable state: cassettes, pending faults, request log, load."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator.faults import FaultBook
from emulator.scrapecreators.faults import fault_book
from emulator.scrapecreators.replay import CassetteLibrary

MODES = ("replay", "synthetic")
DEFAULT_API_KEY = "dev-key"
DEFAULT_PORT = 8090


@dataclass(frozen=True)
class MockConfig:
    mode: str = "replay"
    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    cassettes: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")


@dataclass
class MockState:
    config: MockConfig
    library: CassetteLibrary
    faults: FaultBook = field(default_factory=fault_book)
    log: list[dict[str, Any]] = field(default_factory=list)
    # API requests being answered now, and the most at once since start or reset: what a
    # client's concurrency limit looks like from the API's side.
    in_flight: int = 0
    max_in_flight: int = 0
    # Set on shutdown so held requests (latency, timeout faults) end at once instead of
    # keeping the server's graceful shutdown waiting.
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(cls, config: MockConfig) -> MockState:
        return cls(config=config, library=CassetteLibrary(config.cassettes))

    def reset(self) -> None:
        self.faults.clear()
        self.library.rewind()
        self.log.clear()
        self.max_in_flight = self.in_flight

    async def hold(self, seconds: float) -> None:
        """Wait `seconds` of real time, or less if the server is shutting down."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), seconds)


STATE = web.AppKey("scrapecreators_mock_state", MockState)
