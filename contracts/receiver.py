"""A small recording webhook receiver that verifies QStash signatures like an application would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from qstash import Receiver
from qstash.errors import SignatureError

RECEIVED: web.AppKey[Inbox] = web.AppKey("received")


@dataclass(frozen=True)
class Arrival:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # the target's QStash time on arrival (virtual under a manual clock)
    verified: bool
    reason: str  # why verification failed, empty when it passed

    @property
    def retried(self) -> int:
        return int(self.headers.get("Upstash-Retried", "0"))


@dataclass
class Inbox:
    """What arrived, plus the answers to give: `statuses[path]` is consumed one per request."""

    public_base: str
    keys: tuple[str, str]
    clock: Callable[[], float]
    arrivals: list[Arrival] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def url(self, path: str) -> str:
        return f"{self.public_base}{path}"

    def at(self, path: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.path == path]

    def answer(self, path: str, *statuses: int) -> None:
        """Answer the next requests to `path` with these statuses (then 200 again)."""
        self.statuses.setdefault(path, []).extend(statuses)

    def verify(self, signature: str | None, body: bytes, url: str) -> str:
        if signature is None:
            return "no Upstash-Signature header"
        current, next_ = self.keys
        try:
            Receiver(current, next_).verify(signature=signature, body=body.decode(), url=url)
        except (SignatureError, KeyError, UnicodeDecodeError) as error:
            return f"{type(error).__name__}: {error}"
        return ""


async def _handle(request: web.Request) -> web.Response:
    inbox = request.app[RECEIVED]
    body = await request.read()
    reason = inbox.verify(
        request.headers.get("Upstash-Signature"), body, inbox.url(request.path_qs)
    )
    arrival = Arrival(request.path, dict(request.headers), body, inbox.clock(), not reason, reason)
    inbox.arrivals.append(arrival)
    async with inbox.changed:
        inbox.changed.notify_all()
    queued = inbox.statuses.get(request.path)
    status = queued.pop(0) if queued else 200
    return web.json_response({"received": True}, status=status)


@asynccontextmanager
async def running_receiver(
    keys: tuple[str, str],
    clock: Callable[[], float],
    *,
    port: int = 0,
    public_base: str | None = None,
    changed: asyncio.Condition | None = None,
) -> AsyncIterator[Inbox]:
    """Serve a receiver on 127.0.0.1:`port` (0 = a free one); `public_base` is the URL QStash
    calls (a tunnel to that port for real QStash), else the loopback address itself. `changed`
    is notified on every arrival (a target shares one among its receivers)."""
    inbox = Inbox(public_base="", keys=keys, clock=clock, changed=changed or asyncio.Condition())
    app = web.Application()
    app[RECEIVED] = inbox
    app.router.add_route("*", "/{tail:.*}", _handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        bound = runner.addresses[0][1]
        inbox.public_base = (public_base or f"http://127.0.0.1:{bound}").rstrip("/")
        yield inbox
    finally:
        await runner.cleanup()
