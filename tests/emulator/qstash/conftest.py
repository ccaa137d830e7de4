"""Fixtures for the emulator tests: a running emulator, SDK clients, and a recording receiver."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDictProxy
from qstash import AsyncQStash, QStash, Receiver

from emulator.qstash.testing import RunningEmulator, running_emulator


@dataclass
class Received:
    method: str
    url: str
    headers: CIMultiDictProxy[str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


class Sink:
    """A destination that records every request and answers with scripted replies."""

    def __init__(self) -> None:
        self.base = ""
        self.received: list[Received] = []
        self._replies: dict[str, deque[Reply]] = defaultdict(deque)
        self._arrived = asyncio.Event()

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def reply(self, path: str, status: int, *, times: int = 1, **kwargs: object) -> None:
        for _ in range(times):
            self._replies[path].append(Reply(status, **kwargs))  # type: ignore[arg-type]

    async def wait_for(self, count: int) -> None:
        """Until `count` requests have arrived (for the system clock; bounded by the caller)."""
        while len(self.received) < count:
            self._arrived.clear()
            await self._arrived.wait()

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.url.startswith(self.url(path))]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(
            # raw_path: the target exactly as sent (aiohttp's path_qs mangles a leading `//`).
            Received(request.method, self.base + request.raw_path, request.headers, body)
        )
        self._arrived.set()
        queue = self._replies.get(request.path)
        reply = queue.popleft() if queue else Reply()
        return web.Response(status=reply.status, headers=reply.headers, body=reply.body)


@pytest.fixture
async def emu() -> AsyncIterator[RunningEmulator]:
    async with running_emulator() as running:
        yield running


@asynccontextmanager
async def serve(handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """A destination on a free loopback port answering every path with `handler`."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    recorder = Sink()
    async with serve(recorder.handle) as base:
        recorder.base = base
        yield recorder


@pytest.fixture
async def client(emu: RunningEmulator) -> AsyncIterator[AsyncQStash]:
    sdk = AsyncQStash(emu.token, base_url=emu.url, retry=False)
    yield sdk
    await sdk.http._client.aclose()  # the SDK offers no close(); its httpx client must be closed


@pytest.fixture
def sync_client(emu: RunningEmulator) -> Iterator[QStash]:
    """The blocking client; call it through asyncio.to_thread, the emulator shares the loop."""
    sdk = QStash(emu.token, base_url=emu.url, retry=False)
    yield sdk
    sdk.http._client.close()


async def api(emu: RunningEmulator, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """A raw authenticated call, for the request forms the Python SDK does not send."""
    headers = {"Authorization": f"Bearer {emu.token}", **kwargs.pop("headers", {})}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, emu.url + path, headers=headers, **kwargs) as resp,
    ):
        text = await resp.text()
        return resp.status, json.loads(text) if text else None


def verify(emu: RunningEmulator, request: Received) -> None:
    """Check a delivery's signature the way a QStash user would: with the official Receiver."""
    receiver = Receiver(emu.current_signing_key, emu.next_signing_key)
    receiver.verify(
        signature=request.headers["Upstash-Signature"], body=request.body.decode(), url=request.url
    )
