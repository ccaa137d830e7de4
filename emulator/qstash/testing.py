"""An in-process emulator for tests: a real server on a free loopback port, on a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from emulator.durations import parse_duration
from emulator.qstash.app import Emulator, build, create_app
from emulator.qstash.config import DEFAULT_CURRENT_KEY, DEFAULT_NEXT_KEY, DEFAULT_TOKEN, Config
from emulator.qstash.control import to_seconds
from emulator.qstash.models import JsonDict
from emulator.qstash.state import State
from emulator.testing import FaultControls


class RunningEmulator(FaultControls):
    """Handle on a running emulator; every method acts in-process (no HTTP round trip).

    `fault()`, `faults()` and `clear_faults()` (shared with the mock's handle) arm, list and
    clear fault rules matched against each delivery's destination URL.
    """

    def __init__(self, emulator: Emulator, url: str) -> None:
        super().__init__(emulator.delivery.faults)
        self._emulator = emulator
        self.url = url

    @property
    def token(self) -> str:
        return self._emulator.state.token

    @property
    def current_signing_key(self) -> str:
        return self._emulator.state.current_key

    @property
    def next_signing_key(self) -> str:
        return self._emulator.state.next_key

    @property
    def state(self) -> State:
        return self._emulator.state

    def now(self) -> float:
        return self._emulator.clock.now()

    async def advance(self, duration: float | str) -> None:
        """Move the manual clock (stopping at every due time on the way), then drain."""
        await self._emulator.dispatcher.advance(to_seconds(duration, "duration"))

    async def drain(self) -> None:
        await self._emulator.dispatcher.drain()

    async def run_until_idle(self, limit: float | str = "1d") -> None:
        await self._emulator.dispatcher.run_until_idle(to_seconds(limit, "limit"))

    def deliveries(self) -> list[JsonDict]:
        return self._emulator.delivery.transcript()


@asynccontextmanager
async def running_emulator(
    db_path: str | None = None,
    *,
    token: str | None = None,
    current_key: str | None = None,
    next_key: str | None = None,
    start_time: float | None = None,
    retain_delivered: float | str = 0.0,
    quota: str = "none",
) -> AsyncIterator[RunningEmulator]:
    """`retain_delivered`: how long (seconds or a Go duration such as "5s") a delivered
    message stays readable by GET /v2/messages/{id}, as with --retain-delivered."""
    if isinstance(retain_delivered, str):
        retain_delivered = parse_duration(retain_delivered)
    config = Config(
        db_path=db_path,
        token=token or DEFAULT_TOKEN,
        current_key=current_key or DEFAULT_CURRENT_KEY,
        next_key=next_key or DEFAULT_NEXT_KEY,
        manual_clock=True,
        start_time=start_time,
        retain_delivered=retain_delivered,
        quota=quota,
    )
    emulator = build(config)
    runner = web.AppRunner(create_app(emulator), handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        yield RunningEmulator(emulator, f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()
