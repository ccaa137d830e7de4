"""The dashboard's DLQ, schedules, events and publish views in a browser, driven from the page."""

from __future__ import annotations

import aiohttp
import pytest
from qstash import AsyncQStash
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.browser import browser, click, fill, open_view, text_of, wait_until
from tests.emulator.qstash.conftest import Sink

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def attribute(driver: WebDriver, css: str, name: str) -> str:
    script = (
        "const e = document.querySelector(arguments[0]);"
        " return e ? e.getAttribute(arguments[1]) : ''"
    )
    return str(driver.execute_script(script, css, name))


async def api_error(emu: RunningEmulator, method: str, path: str, **kwargs: object) -> str:
    async with aiohttp.ClientSession() as http, http.request(method, emu.url + path, **kwargs) as r:  # type: ignore[arg-type]
        assert r.status == 400
        return str((await r.json())["error"])


async def test_a_failed_message_shows_live_in_the_dlq_and_is_retried_from_the_ui(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await open_view(browser, emu, "dlq")
    assert "The DLQ is empty." in text_of(browser, "#dlq-empty")
    sink.reply("/fail", 500, body=b"destination down")
    published = await client.message.publish_json(url=sink.url("/fail"), body={}, retries=0)
    message_id = published.message_id  # type: ignore[union-attr]
    await emu.drain()

    # No reload: the live feed shows the entry with its last response.
    row = f'tr.dlq[data-message="{message_id}"]'
    await wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, row))
    assert "500" in text_of(browser, f"{row} td.status")
    assert "destination down" in text_of(browser, row)
    assert sink.url("/fail") in text_of(browser, row)

    # The destination answers 200 now (no scripted reply left): retry from the page.
    dlq_id = attribute(browser, row, "data-id")
    await click(browser, f"#retry-{dlq_id}")
    await wait_until(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, row))
    assert (await client.dlq.list()).messages == []
    await emu.drain()
    assert len(sink.at("/fail")) == 2
    delivered = [d for d in emu.deliveries() if d["url"] == sink.url("/fail")]
    assert [d["status"] for d in delivered] == [500, 200]


async def test_dlq_deletes_the_selected_entries_and_never_sends_an_empty_selection(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    sink.reply("/fail", 500, times=3)
    ids = []
    for _ in range(3):
        published = await client.message.publish_json(url=sink.url("/fail"), body={}, retries=0)
        ids.append(published.message_id)  # type: ignore[union-attr]
    await emu.drain()
    await open_view(browser, emu, "dlq")
    await wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.dlq")) == 3)

    # Nothing ticked: the API would delete every entry, so the page sends nothing.
    await click(browser, "#delete-selected")
    await wait_until(browser, lambda d: text_of(d, "#delete-selected-error"))
    assert text_of(browser, "#delete-selected-error") == "Select at least one entry."
    assert len((await client.dlq.list()).messages) == 3

    for message_id in ids[:2]:
        await click(browser, f'tr.dlq[data-message="{message_id}"] input.pick')
    await click(browser, "#delete-selected")
    await wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.dlq")) == 1)
    [left] = (await client.dlq.list()).messages
    assert left.message_id == ids[2]
    await click(browser, f"#delete-{left.dlq_id}")
    await wait_until(browser, lambda d: text_of(d, "#dlq-empty"))
    assert (await client.dlq.list()).messages == []


async def test_a_schedule_is_paused_resumed_and_triggered_from_the_ui(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await open_view(browser, emu, "schedules")
    schedule_id = await client.schedule.create(destination=sink.url("/tick"), cron="0 * * * *")
    row = f'tr.schedule[data-id="{schedule_id}"]'
    await wait_until(browser, lambda d: "active" in text_of(d, f"{row} td.state"))
    assert "0 * * * *" in text_of(browser, row)
    assert sink.url("/tick") in text_of(browser, row)

    await click(browser, f"#pause-{schedule_id}")
    await wait_until(browser, lambda d: "paused" in text_of(d, f"{row} td.state"))
    assert (await client.schedule.get(schedule_id)).paused is True

    await click(browser, f"#resume-{schedule_id}")
    await wait_until(browser, lambda d: "active" in text_of(d, f"{row} td.state"))
    assert (await client.schedule.get(schedule_id)).paused is False

    # Trigger now: one tick at once, on the manual clock, without moving it.
    before = emu.now()
    await click(browser, f"#trigger-{schedule_id}")
    await wait_until(browser, lambda d: text_of(d, f"{row} td.last") != "—")
    await emu.drain()
    assert len(sink.at("/tick")) == 1
    assert emu.now() == before
    schedule = await client.schedule.get(schedule_id)
    assert schedule.last_schedule_time is not None

    await click(browser, f"#delete-{schedule_id}")
    await wait_until(browser, lambda d: text_of(d, "#schedules-empty"))
    assert await client.schedule.list() == []


async def test_trigger_of_an_unknown_schedule_is_a_404(emu: RunningEmulator) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(emu.url + "/_emulator/schedules/nope/trigger") as response,
    ):
        assert response.status == 404
        assert await response.json() == {"error": "schedule nope not found"}


async def test_events_are_filtered_by_the_server_and_a_bad_filter_shows_the_api_error(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    first = await client.message.publish_json(url=sink.url("/a"), body={}, label="one")
    await client.message.publish_json(url=sink.url("/b"), body={}, label="two")
    await emu.drain()
    await open_view(browser, emu, "events")
    await wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.event")) == 6)

    await fill(browser, "#event-filters input[name=label]", "one")
    await fill(browser, "#event-filters input[name=state]", "DELIVERED")
    await click(browser, "#event-filters button")
    await wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.event")) == 1)
    assert attribute(browser, "tr.event", "data-message") == first.message_id  # type: ignore[union-attr]
    assert "DELIVERED" in text_of(browser, "tr.event td.state")

    # Live: a new matching event shows without a reload; others stay filtered out.
    await client.message.publish_json(url=sink.url("/a"), body={}, label="one")
    await client.message.publish_json(url=sink.url("/b"), body={}, label="two")
    await emu.drain()
    await wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.event")) == 2)

    await fill(browser, "#event-filters input[name=fromDate]", "yesterday")
    await click(browser, "#event-filters button")
    await wait_until(browser, lambda d: text_of(d, "#event-filters-error"))
    refused = await api_error(
        emu,
        "GET",
        "/v2/events?fromDate=yesterday",
        headers={"Authorization": f"Bearer {emu.token}"},
    )
    assert text_of(browser, "#event-filters-error") == refused
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.event")) == 2  # the old filter stays


async def test_publish_from_the_ui_shows_the_answer_and_the_api_error(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await open_view(browser, emu, "publish")
    await fill(browser, "#publish input[name=destination]", "not-a-url")
    await click(browser, "#publish button")
    await wait_until(browser, lambda d: text_of(d, "#publish-error"))
    refused = await api_error(
        emu, "POST", "/v2/publish/not-a-url", headers={"Authorization": f"Bearer {emu.token}"}
    )
    assert text_of(browser, "#publish-error") == refused

    await fill(browser, "#publish input[name=destination]", sink.url("/hook"))
    await fill(browser, "#publish input[name=delay]", "10s")
    await fill(
        browser,
        "#publish textarea[name=headers]",
        "Content-Type: text/plain\nUpstash-Forward-X-Demo: yes",
    )
    await fill(browser, "#publish textarea[name=body]", "hello from the page")
    await click(browser, "#publish button")
    await wait_until(browser, lambda d: "messageId" in text_of(d, "#publish-answer"))
    answer = text_of(browser, "#publish-answer")
    assert sink.received == []  # delayed by the form's 10s
    await emu.advance("10s")
    [received] = sink.received
    assert received.body == b"hello from the page"
    assert received.headers["X-Demo"] == "yes"
    assert received.headers["Content-Type"] == "text/plain"
    assert f'"messageId": "{received.headers["Upstash-Message-Id"]}"' in answer


async def test_a_reset_empties_every_view_live(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await client.schedule.create(destination=sink.url("/tick"), cron="0 * * * *")
    await open_view(browser, emu, "schedules")
    await wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.schedule"))
    async with (
        aiohttp.ClientSession() as http,
        http.post(emu.url + "/_emulator/reset") as response,
    ):
        assert response.status == 200
    await wait_until(browser, lambda d: text_of(d, "#schedules-empty"))
