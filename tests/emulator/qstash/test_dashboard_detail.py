"""The dashboard's message detail (full transcript, callbacks) and overview counts, in a browser."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from qstash import AsyncQStash
from selenium.webdriver.chrome.webdriver import WebDriver

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.browser import browser, open_view, text_of, wait_until
from tests.emulator.qstash.conftest import Sink, serve

__all__ = ["browser"]

pytestmark = pytest.mark.browser
TRANSCRIPT_BODY = 4096  # the README promises the first 4 KiB of a response body


async def deliveries(emu: RunningEmulator, query: str) -> list[dict[str, Any]]:
    """GET /_emulator/deliveries?<query> over HTTP, as a user of the control API sees it."""
    url = emu.url + "/_emulator/deliveries?" + query
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        records: list[dict[str, Any]] = (await response.json())["deliveries"]
        return records


async def test_the_transcript_holds_the_response_headers_body_and_duration(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    sink.reply("/hook", 201, headers={"X-Receiver": "kept"}, body=b"receiver says hi")
    sink.reply("/big", 200, body=b"x" * (TRANSCRIPT_BODY + 10))
    published = await client.message.publish_json(url=sink.url("/hook"), body={"n": 1})
    message_id = published.message_id  # type: ignore[union-attr]
    big = await client.message.publish_json(url=sink.url("/big"), body={})
    await emu.drain()

    [record] = await deliveries(emu, f"messageId={message_id}")
    assert record["status"] == 201
    assert record["responseHeaders"]["X-Receiver"] == ["kept"]
    assert record["responseBody"] == "receiver says hi"
    assert record["responseBodyTruncated"] is False
    assert isinstance(record["durationMs"], float)
    assert record["durationMs"] > 0
    assert record["body"] == '{"n": 1}'  # the fields that were there stay
    [record] = await deliveries(emu, f"messageId={big.message_id}")  # type: ignore[union-attr]
    assert record["responseBody"] == "x" * TRANSCRIPT_BODY
    assert record["responseBodyTruncated"] is True

    await open_view(browser, emu, f"messages/{message_id}")
    await wait_until(browser, lambda d: "status 201" in text_of(d, "#attempts"))
    assert "X-Receiver: kept" in text_of(browser, "#attempts pre.response-headers")
    assert text_of(browser, "#attempts pre.response-body") == "receiver says hi"
    assert text_of(browser, "#attempts pre.request-body") == '{"n": 1}'
    assert "ms" in text_of(browser, "#attempts span.duration")


def count(driver: WebDriver, name: str) -> str:
    return text_of(driver, f"#count-{name} b")


async def test_the_overview_counts_in_flight_delivered_and_failed(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    sink.reply("/fail", 500)
    await client.message.publish_json(url=sink.url("/ok"), body={})
    await client.message.publish_json(url=sink.url("/fail"), body={}, retries=0)
    await emu.drain()
    await open_view(browser, emu, "overview")
    assert count(browser, "delivered") == "1"
    assert count(browser, "failed") == "1"
    assert count(browser, "DLQ") == "1"
    assert count(browser, "inFlight") == "0"
    assert "in flight" in text_of(browser, "#count-inFlight")

    # A receiver that holds its answer: the attempt is in flight until it is released.
    release = asyncio.Event()

    async def slow(_: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="late")

    async with serve(slow) as base:
        await client.message.publish_json(url=base + "/slow", body={})
        draining = asyncio.create_task(emu.drain())
        await wait_until(browser, lambda d: count(d, "inFlight") == "1")
        release.set()
        await draining
        await wait_until(browser, lambda d: count(d, "delivered") == "2")
    assert count(browser, "inFlight") == "0"
    async with aiohttp.ClientSession() as http, http.get(emu.url + "/_emulator/ui/counts") as r:
        answer = await r.json()
    assert {k: answer[k] for k in ("inFlight", "delivered", "failed")} == {
        "inFlight": 0,
        "delivered": 2,
        "failed": 1,
    }


async def test_the_detail_shows_the_callback_urls_and_the_callback_deliveries(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    sink.reply("/cb", 202, body=b"callback received")
    published = await client.message.publish_json(
        url=sink.url("/hook"),
        body={},
        callback=sink.url("/cb"),
        failure_callback=sink.url("/failed"),
    )
    message_id = published.message_id  # type: ignore[union-attr]
    await open_view(browser, emu, f"messages/{message_id}")
    assert text_of(browser, "#callback-url") == sink.url("/cb")
    assert text_of(browser, "#failure-callback-url") == sink.url("/failed")
    assert "no callback sent yet" in text_of(browser, "#callbacks")

    await emu.drain()
    [callback] = await deliveries(emu, f"callbackOf={message_id}")
    assert callback["url"] == sink.url("/cb")
    assert callback["messageId"] != message_id
    await wait_until(browser, lambda d: "status 202" in text_of(d, "#callbacks"))
    # Settled: the URLs now come from the transcript, the message itself is gone.
    assert text_of(browser, "#callback-url") == sink.url("/cb")
    assert text_of(browser, "#failure-callback-url") == sink.url("/failed")
    assert "callback message" in text_of(browser, "#callbacks .callback-kind")
    assert callback["messageId"] in text_of(browser, "#callbacks .callback-kind")
    assert "callback received" in text_of(browser, "#callbacks pre.response-body")
    assert sink.url("/failed") not in text_of(browser, "#callbacks")
