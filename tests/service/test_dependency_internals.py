"""The private attributes of dependencies that the service reaches into (no public API does the
job) still exist with the types the code relies on; pyproject.toml pins the versions checked.

A release that renames or retypes one fails here, before it can fail in production."""

from __future__ import annotations

import threading
from pathlib import Path

import aiosqlite
import httpx
import sqlalchemy as sa
from aiohttp import web
from pytest_aiohttp import AiohttpServer
from qstash import AsyncQStash
from qstash.message import PublishResponse

from service.qstash.publisher import close_qstash, qstash_client
from service.store.engine import create_engine
from service.wire import AiohttpWire


def _aiosqlite_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


def test_an_aiosqlite_connection_holds_its_unstarted_worker_as_thread() -> None:
    # service/store/engine.py marks `_thread` daemon before the connection starts it, and joins
    # it when connecting fails (aiosqlite offers neither: its maintainers declined a daemon
    # option, and a failed connect queues the thread's stop without waiting for it).
    connection = aiosqlite.connect(":memory:")

    assert isinstance(connection._thread, threading.Thread)
    assert not connection._thread.is_alive()
    connection._thread.daemon = True  # allowed only before the thread starts


async def test_the_engine_runs_sqlite_connections_on_daemon_threads(tmp_path: Path) -> None:
    # Daemon, as SQLAlchemy's own aiosqlite dialect makes them: a connection that was never
    # closed does not keep the interpreter from exiting.
    before = set(_aiosqlite_workers())
    engine = create_engine(f"sqlite:///{tmp_path / 'scout.db'}")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
            workers = [t for t in _aiosqlite_workers() if t not in before]
            assert workers
            assert all(t.daemon for t in workers)
    finally:
        await engine.dispose()


async def test_the_qstash_sdk_keeps_its_httpx_client_where_close_qstash_closes_it() -> None:
    # The SDK (qstash==3.4.0) opens an httpx.AsyncClient per AsyncQStash and offers no close.
    client = AsyncQStash("token", base_url="http://127.0.0.1:9", retry=False)
    inner = client.http._client
    assert isinstance(inner, httpx.AsyncClient)
    assert not inner.is_closed

    await close_qstash(client)

    assert inner.is_closed


async def test_the_qstash_sdk_sends_through_the_client_qstash_client_puts_in_its_place(
    aiohttp_server: AiohttpServer,
) -> None:
    # service.qstash.publisher.qstash_client sets `http._client` to an AiohttpWire: the SDK must
    # still send every request through that attribute, with httpx's keyword arguments.
    received: list[tuple[str, str]] = []

    async def publish(request: web.Request) -> web.Response:
        received.append((request.path, request.headers["Upstash-Deduplication-Id"]))
        return web.json_response({"messageId": "msg_1"})

    app = web.Application()
    app.router.add_post("/v2/publish/{destination:.*}", publish)
    server = await aiohttp_server(app)
    client = qstash_client("token", base_url=str(server.make_url("")), retry=False)
    try:
        assert isinstance(client.http._client, AiohttpWire)
        answer = await client.message.publish_json(
            url="http://127.0.0.1:9/hook", body={"step": 1}, deduplication_id="job-1-step-1"
        )
    finally:
        await close_qstash(client)

    assert isinstance(answer, PublishResponse)
    assert answer.message_id == "msg_1"
    assert received == [("/v2/publish/http://127.0.0.1:9/hook", "job-1-step-1")]
