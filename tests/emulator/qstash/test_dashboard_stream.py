"""The dashboard's live feed (GET /_emulator/ui/stream) without a browser: what it sends, and
a page that leaves before the headers."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from emulator.qstash.app import Emulator, build, create_app
from emulator.qstash.config import Config
from emulator.qstash.dashboard import PREFIX
from emulator.qstash.errors import Handler

STREAM = PREFIX + "stream"
WAIT = 10.0  # the longest a test waits for a line (never reached when green)


@pytest.fixture
def emulator() -> Emulator:
    return build(Config(manual_clock=True))


async def test_the_feed_names_each_kind_of_change(
    aiohttp_client: AiohttpClient, emulator: Emulator
) -> None:
    client = await aiohttp_client(create_app(emulator))
    async with client.get(STREAM) as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        lines = response.content
        assert await asyncio.wait_for(lines.readline(), WAIT) == b"retry: 1000\n"
        assert await lines.readline() == b"\n"
        published = await client.post(
            "/v2/publish/http://127.0.0.1:9/never",
            data=b"{}",
            headers={"Authorization": f"Bearer {emulator.state.token}", "Upstash-Delay": "1h"},
        )
        assert published.status == 200, await published.text()
        assert await asyncio.wait_for(lines.readline(), WAIT) == b"event: changed\n"
        data = await lines.readline()
        assert data.startswith(b"data: ")
        assert "publish" in json.loads(data.removeprefix(b"data: "))  # with what else it touched


async def test_a_page_gone_before_the_headers_is_no_server_error(
    aiohttp_client: AiohttpClient, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    handled = asyncio.Event()

    @web.middleware
    async def page_leaves(request: web.Request, handler: Handler) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()  # the tab closed as its request arrived
        try:
            return await handler(request)
        finally:
            handled.set()

    app = create_app(emulator)
    app.middlewares.insert(0, page_leaves)
    client = await aiohttp_client(app)
    with caplog.at_level(logging.INFO), pytest.raises(aiohttp.ClientError):
        await client.get(STREAM)
    await asyncio.wait_for(handled.wait(), WAIT)
    assert "unexpected error" not in caplog.text
    assert emulator.state.changes.subscribers == 0
