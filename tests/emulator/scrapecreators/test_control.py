"""The /_mock/* controls and the command line: status, loading cassettes, bad input."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulator.scrapecreators import cli
from emulator.scrapecreators.state import STATE
from emulator.scrapecreators.testing import running_mock
from scout.cli import COMMANDS


async def test_status_names_mode_and_cassettes(http: aiohttp.ClientSession) -> None:
    async with (
        running_mock(["instagram_similar"], allow_unplayed=True) as mock,
        http.get(mock.url + "/_mock/status") as response,
    ):
        status = await response.json()
    assert status["mode"] == "replay"
    assert status["cassettes"] == ["instagram_similar"]
    assert "timeout" in status["fault_kinds"]


async def test_status_counts_the_requests_answered_at_once(http: aiohttp.ClientSession) -> None:
    profile = "/v1/tiktok/profile?handle=anyone"

    async def get(url: str) -> int:
        async with http.get(url) as response:
            return response.status

    async with running_mock(mode="synthetic") as mock:
        await mock.fault("/v1/tiktok/profile", "latency", count=3, delay="60s")
        held = [asyncio.create_task(get(mock.url + profile)) for _ in range(3)]
        while mock.state.in_flight < 3:  # noqa: ASYNC110 (the mock's counter is all there is)
            await asyncio.sleep(0.01)
        async with http.get(mock.url + "/_mock/status") as response:
            during = await response.json()
        for task in held:
            task.cancel()
        await asyncio.gather(*held, return_exceptions=True)
        assert await get(mock.url + profile) == 200  # no fault left: answered at once

    assert (during["in_flight"], during["max_in_flight"]) == (3, 3)
    assert mock.max_in_flight == 4  # the held three (still held) and the last one


async def test_loading_cassettes_replaces_the_set(http: aiohttp.ClientSession) -> None:
    async with running_mock(["instagram_similar"], allow_unplayed=True) as mock:
        body = {"cassettes": ["instagram_similar_empty"]}
        async with http.post(mock.url + "/_mock/cassettes", json=body) as response:
            assert response.status == 200
            assert await response.json() == {"cassettes": ["instagram_similar_empty"]}
        url = mock.url + "/v1/instagram/profile"
        async with http.get(url, params={"handle": "lonely.loom"}) as response:
            assert response.status == 200
        async with http.get(url, params={"handle": "claybyjune"}) as response:
            assert response.status == 501


@pytest.mark.parametrize(
    "body", [{"cassettes": "tiktok_keyword"}, {"cassettes": [""]}, {"cassettes": ["missing"]}, {}]
)
async def test_loading_bad_cassettes_names_the_field(
    http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    async with (
        running_mock([]) as mock,
        http.post(mock.url + "/_mock/cassettes", json=body) as response,
    ):
        assert response.status == 400
        assert (await response.json())["field"] == "cassettes"


def test_scout_knows_the_mock_and_the_recorder() -> None:
    assert COMMANDS["mock"].target == "emulator.scrapecreators.cli:main"
    assert COMMANDS["record"].target == "emulator.scrapecreators.record:main"


def test_cli_builds_the_configured_app(monkeypatch: pytest.MonkeyPatch) -> None:
    started: dict[str, Any] = {}

    def fake_run_app(app: web.Application, *, sock: socket.socket, print: None) -> None:
        started.update(app=app, address=sock.getsockname())

    monkeypatch.setattr(web, "run_app", fake_run_app)
    argv = ["--mode", "replay", "--cassettes", "tiktok_keyword", "--api-key", "a", "--port", "0"]
    assert cli.main(argv) == 0
    state = started["app"][STATE]
    assert started["address"][0] == "127.0.0.1"  # bound already: port 0 became a real one
    assert started["address"][1] > 0
    assert state.config.api_keys == ("a",)
    assert state.library.names == ["tiktok_keyword"]


def test_cli_defaults_to_every_cassette(monkeypatch: pytest.MonkeyPatch) -> None:
    apps: list[web.Application] = []
    monkeypatch.setattr(web, "run_app", lambda app, **_: apps.append(app))
    assert cli.main(["--port", "0"]) == 0
    assert "tiktok_keyword" in apps[0][STATE].library.names
    assert apps[0][STATE].config.api_keys == ("dev-key",)


def test_cli_rejects_a_missing_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--cassettes", "no_such_scenario"]) == 2
    assert "no cassette named 'no_such_scenario'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\ninteractions: []\n", "holds no interactions"),
        ("version: 1\ninteractions: [\n", "cannot be loaded"),
        ("version: 1\n", "cannot be loaded"),
    ],
)
def test_cli_rejects_a_broken_cassette_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    assert cli.main(["--cassettes", str(broken)]) == 2
    assert message in capsys.readouterr().err
