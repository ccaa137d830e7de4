"""The dashboard's queues, flow-control and URL-group views in a browser, driven from the page."""

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


async def api_error(emu: RunningEmulator, method: str, path: str, body: object) -> str:
    headers = {"Authorization": f"Bearer {emu.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, emu.url + path, json=body, headers=headers) as response,
    ):
        assert response.status == 400
        return str((await response.json())["error"])


async def test_a_queue_is_paused_and_resumed_from_the_ui_and_shows_its_lag(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await open_view(browser, emu, "queues")
    await fill(browser, "#queue input[name=queueName]", "jobs")
    await fill(browser, "#queue input[name=parallelism]", "many")
    await click(browser, "#queue button")
    await wait_until(browser, lambda d: text_of(d, "#queue-error"))
    refused = await api_error(
        emu, "POST", "/v2/queues", {"queueName": "jobs", "parallelism": "many"}
    )
    assert text_of(browser, "#queue-error") == refused

    await fill(browser, "#queue input[name=parallelism]", "2")
    await click(browser, "#queue button")
    row = 'tr.queue[data-name="jobs"]'
    await wait_until(browser, lambda d: "active" in text_of(d, f"{row} td.state"))
    assert text_of(browser, f"{row} td.parallelism") == "2"

    await click(browser, "#pause-jobs")
    await wait_until(browser, lambda d: "paused" in text_of(d, f"{row} td.state"))
    assert (await client.queue.get("jobs")).paused is True
    # Live: an enqueued message shows as lag while the queue is paused.
    await client.message.enqueue_json(queue="jobs", url=sink.url("/job"), body={})
    await emu.drain()
    await wait_until(browser, lambda d: text_of(d, f"{row} td.lag") == "1")
    assert sink.received == []

    await click(browser, "#resume-jobs")
    await wait_until(browser, lambda d: "active" in text_of(d, f"{row} td.state"))
    assert (await client.queue.get("jobs")).paused is False
    await emu.drain()
    assert len(sink.at("/job")) == 1
    await wait_until(browser, lambda d: text_of(d, f"{row} td.lag") == "0")


async def test_a_flow_control_key_is_paused_pinned_and_resumed_from_the_ui(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await open_view(browser, emu, "flow")
    await client.message.publish_json(
        url=sink.url("/f"), body={}, flow_control={"key": "tenant", "parallelism": 1}
    )
    await emu.drain()
    row = 'tr.flow[data-key="tenant"]'
    await wait_until(browser, lambda d: "active" in text_of(d, f"{row} td.state"))

    await click(browser, "#flow-pause-tenant")
    await wait_until(browser, lambda d: "paused" in text_of(d, f"{row} td.state"))
    await client.message.publish_json(
        url=sink.url("/f"), body={}, flow_control={"key": "tenant", "parallelism": 1}
    )
    await emu.drain()
    await wait_until(browser, lambda d: text_of(d, f"{row} td.waiting") == "1")
    assert len(sink.at("/f")) == 1

    await fill(browser, "#flow-pin-tenant input[name=parallelism]", "x")
    await click(browser, "#flow-pin-tenant button")
    await wait_until(browser, lambda d: text_of(d, "#flow-pin-tenant-error"))
    refused = await api_error(emu, "POST", "/v2/flowControl/tenant/pin?parallelism=x", None)
    assert text_of(browser, "#flow-pin-tenant-error") == refused

    await fill(browser, "#flow-pin-tenant input[name=parallelism]", "3")
    await click(browser, "#flow-pin-tenant button")
    await wait_until(browser, lambda d: "pinned parallelism" in text_of(d, f"{row} td.state"))
    assert text_of(browser, f"{row} td.parallelism").endswith("/ 3")

    await click(browser, "#flow-resume-tenant")
    await wait_until(browser, lambda d: "active" in text_of(d, f"{row} td.state"))
    await emu.drain()
    assert len(sink.at("/f")) == 2
    await wait_until(browser, lambda d: text_of(d, f"{row} td.waiting") == "0")


async def test_url_group_endpoints_are_added_and_removed_from_the_ui(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink, browser: WebDriver
) -> None:
    await open_view(browser, emu, "groups")
    await fill(browser, "#endpoint input[name=group]", "fans")
    await fill(browser, "#endpoint input[name=url]", "not a url")
    await click(browser, "#endpoint button")
    await wait_until(browser, lambda d: text_of(d, "#endpoint-error"))
    body = {"endpoints": [{"url": "not a url"}]}
    refused = await api_error(emu, "POST", "/v2/topics/fans/endpoints", body)
    assert text_of(browser, "#endpoint-error") == refused

    for path in ("/one", "/two"):
        await fill(browser, "#endpoint input[name=url]", sink.url(path))
        await click(browser, "#endpoint button")
    await wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.endpoint")) == 2)
    group = await client.url_group.get("fans")
    assert sorted(e.url for e in group.endpoints) == [sink.url("/one"), sink.url("/two")]

    await click(browser, f'tr.endpoint[data-url="{sink.url("/one")}"] button')
    await wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.endpoint")) == 1)
    assert [e.url for e in (await client.url_group.get("fans")).endpoints] == [sink.url("/two")]

    await click(browser, "#delete-group-fans")
    await wait_until(browser, lambda d: text_of(d, "#groups-empty"))
    assert await client.url_group.list() == []
