"""`scout dev` for real: a subprocess on free ports runs a demo job, stops cleanly, keeps state."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import aiohttp
import pytest

from scout import dev
from scout.api_client import ServiceClient
from service.testing import port_in_use
from tests.scout.devprocess import DevProcess

StartDev = Callable[..., AbstractAsyncContextManager[DevProcess]]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
async def test_dev_runs_a_demo_job_stops_on_ctrl_c_and_restarts_where_it_stopped(
    start_dev: StartDev, ports: dict[str, int]
) -> None:
    async with start_dev() as first:
        await first.wait_for(r"QSTASH_URL=http://127\.0\.0\.1:")
        job_id = (await first.wait_for(r"→ job ([0-9a-f-]{36})")).group(1)
        await first.wait_for(r"\d+ creators found")
        assert await first.interrupt() == 0
    assert "Traceback" not in first.output
    for component in ("[service]", "[qstash ]", "[mock   ]"):  # every component's logs shown
        assert component in first.output
    assert not _group_alive(first.process.pid)  # nothing left behind in its process group
    assert not any(_listening(port) for port in ports.values())

    async with start_dev("--no-demo") as second:
        await second.wait_for(r"Ctrl-C stops everything")
        dashboard = (await second.wait_for(r"dashboard +(http://\S+/_emulator/ui/)")).group(1)
        async with aiohttp.ClientSession() as http:
            async with http.get(dashboard) as page:
                assert page.status == 200
                assert "app.js" in await page.text()
            client = ServiceClient(http, second.service_url, user="demo", admin="dev-admin")
            earlier = await client.status("tiktok", job_id)
        assert earlier["status"] == "completed"
        assert earlier["totalResults"] > 0

        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scout",
            "demo",
            "--service-url",
            second.service_url,
            "--platform",
            "instagram",
            "--username",
            "claybyjune",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "160"},
        )
        output, _ = await asyncio.wait_for(demo.communicate(), 60)
        assert demo.returncode == 0, output.decode()
        assert b"creators found" in output
        assert await second.interrupt() == 0
    assert "Traceback" not in second.output


def test_dev_refuses_a_port_in_use_in_one_line(
    ports: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    with port_in_use() as busy:
        flags = [str(part) for pair in {**ports, "--qstash-port": busy}.items() for part in pair]
        assert dev.main([*flags, "--no-demo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"port {busy} (QStash emulator) is already in use" in err


def test_dev_refuses_one_port_given_twice_in_one_line(
    ports: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    same = ports["--port"]
    flags = [str(part) for pair in {**ports, "--mock-port": same}.items() for part in pair]
    assert dev.main([*flags, "--no-demo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"port {same} is given to both the ScrapeCreators mock and the service" in err


@pytest.mark.slow
async def test_dev_stopped_mid_job_by_sigterm_finishes_the_job_after_a_restart(
    start_dev: StartDev,
) -> None:
    async with start_dev("--target-results", "100") as first:
        job_id = (await first.wait_for(r"→ job ([0-9a-f-]{36})")).group(1)
        await first.wait_for(rf"step_finished job_id={job_id} .* outcome=committed")
        assert await first.interrupt(signal.SIGTERM) == 0
    assert "Traceback" not in first.output
    assert f"job_id={job_id}" in first.output
    assert not re.search(rf"job_id={job_id} .* outcome=completed", first.output)

    async with start_dev("--no-demo") as second:
        # The next step was accepted by QStash before the stop: it is delivered after the start.
        await second.wait_for(rf"step_finished job_id={job_id} .* outcome=completed")
        async with aiohttp.ClientSession() as http:
            client = ServiceClient(http, second.service_url, user="demo", admin="dev-admin")
            status = await client.status("tiktok", job_id)
            qstash = f"http://127.0.0.1:{second.ports['--qstash-port']}"
            async with http.get(f"{qstash}/_emulator/deliveries") as answer:
                attempts = (await answer.json())["deliveries"]
        assert status["status"] == "completed"
        # Not one attempt failed: deliveries waited for the service to listen.
        assert attempts
        assert {a["status"] for a in attempts} == {200}
        assert await second.interrupt() == 0
    assert "Traceback" not in second.output


@pytest.mark.slow
async def test_dev_runs_its_own_environment_whatever_the_shell_exports(
    start_dev: StartDev, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A developer's shell may export the production variables (a comma list of admins, another
    QStash, a database); `scout dev` runs the service on its own printed environment."""
    monkeypatch.setenv("ADMIN_USER_IDS", "alice, bob")
    monkeypatch.setenv("QSTASH_TOKEN", "")
    monkeypatch.setenv("DATABASE_URL", "mysql://elsewhere/db")
    async with start_dev("--no-demo") as running:
        await running.wait_for(r"Ctrl-C stops everything")
        async with aiohttp.ClientSession() as http:
            admin = ServiceClient(http, running.service_url, user="demo", admin="dev-admin")
            await admin.configure({"qstash_delays.retry_base_delay": "2s"})
        assert await running.interrupt() == 0
    assert "ADMIN_USER_IDS=dev-admin" in running.output
    assert "Traceback" not in running.output


@pytest.mark.slow
async def test_dev_says_in_one_line_when_its_database_cannot_be_opened(
    start_dev: StartDev, tmp_path: Path
) -> None:
    (tmp_path / "state" / "service.db").mkdir(parents=True)  # a folder where the file should be
    async with start_dev("--no-demo") as running:
        async with asyncio.timeout(30):
            output = (await running.process.communicate())[0].decode()
    assert running.process.returncode == 2
    assert "Traceback" not in output
    assert output.splitlines()[-1] == (
        f"scout dev: cannot open the database at {tmp_path / 'state' / 'service.db'} "
        "(DATABASE_URL): unable to open database file"
    )
