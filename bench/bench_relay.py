"""The baseline relay: aiohttp publish endpoint, SQLite WAL group commit, signed POST delivery.

Nothing else: no retries beyond a fixed re-queue, no delays, no events. It is what the
emulator is measured against, so it does the same durable work per message: the message is
committed before the publisher gets its answer, and its delivery is committed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import sys
from collections.abc import AsyncIterator, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from emulator.qstash.config import Config
from emulator.qstash.signing import sign

KEY = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"
IN_FLIGHT = Config().concurrency  # deliveries at once: the same window as the emulator


@dataclass
class Message:
    id: str
    url: str
    body: bytes
    content_type: str


@dataclass
class Relay:
    db: sqlite3.Connection
    session: aiohttp.ClientSession | None = None
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1))
    inserts: list[tuple[Message, asyncio.Future[None]]] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(IN_FLIGHT))
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def _commit(self, rows: list[tuple[str, str, bytes, str]], done: list[str]) -> None:
        # One transaction per batch: the commit, not the statements, is what costs.
        with self.db:
            self.db.executemany("INSERT INTO messages VALUES (?, ?, ?, ?)", rows)
            self.db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in done])

    async def group_commit(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.wake.wait()
            self.wake.clear()
            batch, self.inserts = self.inserts, []
            done, self.delivered = self.delivered, []
            rows = [(m.id, m.url, m.body, m.content_type) for m, _ in batch]
            await loop.run_in_executor(self.writer, self._commit, rows, done)
            for message, accepted in batch:
                if not accepted.done():
                    accepted.set_result(None)
                self._spawn(self.deliver(message))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def deliver(self, message: Message) -> None:
        assert self.session is not None
        async with self.slots:
            headers = {
                "Upstash-Signature": sign(key=KEY, url=message.url, body=message.body),
                "Upstash-Message-Id": message.id,
                "Content-Type": message.content_type,
            }
            try:
                async with self.session.post(message.url, data=message.body, headers=headers) as r:
                    await r.read()
                    ok = 200 <= r.status < 300
            except (aiohttp.ClientError, TimeoutError):
                ok = False
        if ok:
            self.delivered.append(message.id)
            self.wake.set()
        else:
            await asyncio.sleep(1.0)
            self._spawn(self.deliver(message))

    async def publish(self, request: web.Request) -> web.Response:
        destination = request.raw_path.split("/v2/publish/", 1)[1]
        message = Message(
            "msg_" + secrets.token_hex(14),
            destination,
            await request.read(),
            request.headers.get("Content-Type", "application/octet-stream"),
        )
        accepted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.inserts.append((message, accepted))
        self.wake.set()
        await accepted
        return web.json_response({"messageId": message.id}, status=201)


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    relay = app[RELAY]
    relay.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT))
    committer = asyncio.create_task(relay.group_commit())
    yield
    committer.cancel()
    await relay.session.close()
    relay.writer.shutdown()


RELAY: web.AppKey[Relay] = web.AppKey("relay")


def create_app(db_path: str) -> web.Application:
    db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # what the emulator uses
    db.execute("CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, url, body, ctype)")
    db.isolation_level = "DEFERRED"  # `with db:` then wraps each batch in one transaction
    relay = Relay(db)
    app = web.Application(client_max_size=10 * 2**20)
    app[RELAY] = relay
    app.router.add_post("/v2/publish/{destination:.+}", relay.publish)
    app.router.add_get("/v2/keys", _keys)
    app.cleanup_ctx.append(_lifecycle)
    return app


async def _keys(_: web.Request) -> web.Response:
    return web.json_response({"current": KEY, "next": KEY})


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    web.run_app(create_app(args.db), host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
