"""Headless Chromium for the dashboard tests: Debian's chromium driven by selenium, and helpers."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from emulator.qstash.testing import RunningEmulator

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1280,900",
)


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("SCOUT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SCOUT_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


async def wait_until(driver: WebDriver, condition: Callable[[WebDriver], Any]) -> Any:
    """Poll the page in a thread so the emulator (in this event loop) keeps serving it."""
    return await asyncio.to_thread(WebDriverWait(driver, 10, poll_frequency=0.05).until, condition)


def text_of(driver: WebDriver, css: str) -> str:
    # Read in one script: the live feed re-renders views, so element handles go stale.
    script = "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText).join('\\n')"
    return str(driver.execute_script(script, css))


async def click(driver: WebDriver, css: str) -> None:
    await wait_until(
        driver,
        lambda d: d.execute_script(
            "const e = document.querySelector(arguments[0]); if (e) e.click(); return !!e", css
        ),
    )


async def fill(driver: WebDriver, css: str, value: str) -> None:
    await wait_until(
        driver,
        lambda d: d.execute_script(
            "const e = document.querySelector(arguments[0]);"
            " if (e) e.value = arguments[1]; return !!e",
            css,
            value,
        ),
    )


async def open_view(driver: WebDriver, emu: RunningEmulator, view: str) -> None:
    await asyncio.to_thread(driver.get, emu.url + f"/_emulator/ui/#/{view}")
    await wait_until(driver, lambda d: "● live" in text_of(d, "#live"))
    await wait_until(driver, lambda d: d.execute_script("return document.body.dataset.rendered"))
