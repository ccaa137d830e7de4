"""In-process harness: the mock on a free loopback port, failing a test that leaves recordings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator.scrapecreators.app import create_app
from emulator.scrapecreators.replay import resolve
from emulator.scrapecreators.state import DEFAULT_API_KEY, STATE, MockConfig, MockState
from emulator.testing import FaultControls


class RunningMock(FaultControls):
    """A handle on a running mock; the same operations as its /_mock/* controls.

    `fault()`, `faults()` and `clear_faults()` (shared with the QStash emulator's handle) arm,
    list and clear fault rules matched against each request's path.
    """

    def __init__(self, url: str, state: MockState) -> None:
        super().__init__(state.faults)
        self.url = url
        self.state = state

    async def unplayed(self) -> list[dict[str, Any]]:
        return self.state.library.unplayed()

    @property
    def max_in_flight(self) -> int:
        """The most API requests answered at once since start or reset."""
        return self.state.max_in_flight

    async def requests(self) -> list[dict[str, Any]]:
        # A snapshot: entries of requests still being answered change later.
        return [dict(entry) for entry in self.state.log]


@asynccontextmanager
async def running_mock(
    cassettes: Sequence[str | Path] | str | Path | None = None,
    *,
    mode: str = "replay",
    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,),
    allow_unplayed: bool = False,
) -> AsyncIterator[RunningMock]:
    """Serve the mock on 127.0.0.1:<free port> for the duration of the block.

    `cassettes` are stems in fixtures/cassettes/, cassette files or folders. Leaving the block
    normally raises AssertionError naming every recording not played, unless allow_unplayed.
    """
    app = create_app(MockConfig(mode=mode, api_keys=api_keys, cassettes=tuple(resolve(cassettes))))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        mock = RunningMock(f"http://127.0.0.1:{port}", app[STATE])
        yield mock
        left = await mock.unplayed()
        if left and not allow_unplayed:
            listed = "\n".join(
                f"  {u['cassette']}#{u['index']}: {u['method']} {u['url']}" for u in left
            )
            raise AssertionError(
                f"{len(left)} recorded interaction(s) were never played:\n{listed}"
            )
    finally:
        await runner.cleanup()
