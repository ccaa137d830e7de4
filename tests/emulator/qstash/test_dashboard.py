"""The dashboard in a real browser: live messages, detail, time controls, loopback only."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
import pytest
from qstash import AsyncQStash
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.browser import browser, click, fill, text_of, wait_until
from tests.emulator.qstash.conftest import Sink

__all__ = ["browser"]

pytestmark = pytest.mark.browser
SCREENSHOT = Path(__file__).parents[3] / "docs" / "dashboard.png"


async def test_root_redirects_to_the_dashboard(emu: RunningEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(emu.url + "/", allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Location"] == "/_emulator/ui/"
        async with http.get(emu.url + "/_emulator/ui/") as response:
            assert response.status == 200
            assert "app.js" in await response.text()
        async with http.get(emu.url + "/_emulator/messages?cursor=x") as response:
            assert response.status == 400
            assert await response.json() == {"error": "invalid cursor: 'x' is not an integer"}


async def test_a_published_message_appears_live_and_is_delivered_from_the_ui(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await asyncio.to_thread(browser.get, emu.url + "/_emulator/ui/#/messages")
    await wait_until(browser, lambda d: "● live" in text_of(d, "#live"))
    assert browser.find_elements(By.CSS_SELECTOR, "tr.message") == []

    published = await client.message.publish_json(
        url=sink.url("/hook"), body={"hello": "dashboard"}, delay="30s", label="demo"
    )
    message_id = published.message_id  # type: ignore[union-attr]
    # No reload: the live feed makes the page refetch the list.
    row = f'tr.message[data-id="{message_id}"]'
    await wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, row))
    assert "demo" in text_of(browser, row)
    assert sink.url("/hook") in text_of(browser, row)

    await click(browser, f"{row} a")
    await wait_until(browser, lambda d: "CREATED" in text_of(d, "#events"))
    assert browser.current_url.endswith(f"#/messages/{message_id}")
    assert "none yet" in text_of(browser, "#attempts")

    # The Time view's form advances the manual clock; the delivery shows in the detail view.
    await asyncio.to_thread(browser.get, emu.url + "/_emulator/ui/#/time")
    await fill(browser, "#advance input", "31s")
    await click(browser, "#advance button")
    await wait_until(browser, lambda d: "0 pending" in text_of(d, "#clock"))
    assert len(sink.received) == 1

    await asyncio.to_thread(browser.get, emu.url + f"/_emulator/ui/#/messages/{message_id}")
    await wait_until(browser, lambda d: "DELIVERED" in text_of(d, "#events"))
    attempts = text_of(browser, "#attempts")
    assert "attempt 1" in attempts
    assert "status 200" in attempts
    claims = text_of(browser, "pre.claims")
    assert '"iss": "Upstash"' in claims
    assert sink.url("/hook") in claims
    if os.environ.get("SCOUT_UPDATE_SCREENSHOT") == "1":
        await asyncio.to_thread(browser.save_screenshot, str(SCREENSHOT))


async def test_time_form_shows_the_api_error_beside_it(
    emu: RunningEmulator, browser: WebDriver
) -> None:
    await asyncio.to_thread(browser.get, emu.url + "/_emulator/ui/#/time")
    await fill(browser, "#advance input", "soon")
    await click(browser, "#advance button")
    await wait_until(browser, lambda d: text_of(d, "#advance-error"))
    async with (
        aiohttp.ClientSession() as http,
        http.post(emu.url + "/_emulator/clock", json={"advance": "soon"}) as response,
    ):
        api_error = (await response.json())["error"]
    assert text_of(browser, "#advance-error") == api_error


async def test_deliver_now_from_the_detail_view(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    published = await client.message.publish_json(url=sink.url("/hook"), body={}, delay="1h")
    message_id = published.message_id  # type: ignore[union-attr]
    await asyncio.to_thread(browser.get, emu.url + f"/_emulator/ui/#/messages/{message_id}")
    await click(browser, "#deliver-now")
    await wait_until(browser, lambda d: "DELIVERED" in text_of(d, "#events"))
    assert len(sink.received) == 1


async def test_every_request_of_the_page_goes_to_the_emulator(
    emu: RunningEmulator, browser: WebDriver
) -> None:
    for view in ("overview", "messages", "time"):
        await asyncio.to_thread(browser.get, emu.url + f"/_emulator/ui/#/{view}")
        await wait_until(
            browser, lambda d: d.execute_script("return document.body.dataset.rendered")
        )
    names = await asyncio.to_thread(
        browser.execute_script,
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href])",
    )
    assert len(names) >= 4  # the page, app.css, app.js, config, the API calls
    assert all(name.startswith(emu.url + "/") for name in names), names


async def test_a_fault_added_from_the_ui_is_applied(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await asyncio.to_thread(browser.get, emu.url + "/_emulator/ui/#/time")
    await fill(browser, "#fault input[name=url]", sink.url("/hook"))
    await fill(browser, "#fault input[name=status]", "503")
    await click(browser, "#fault button")
    await wait_until(browser, lambda d: "503" in text_of(d, "tr.fault"))
    published = await client.message.publish_json(url=sink.url("/hook"), body={}, retries=0)
    await emu.drain()
    assert sink.received == []  # the fault answered instead of the destination
    [attempt] = [d for d in emu.deliveries() if d["messageId"] == published.message_id]  # type: ignore[union-attr]
    assert attempt["status"] == 503
