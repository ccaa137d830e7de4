"""SIGKILL the emulator mid-load, restart it on the same database: nothing accepted is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulator.qstash.config import DEFAULT_TOKEN
from tests.emulator.qstash.conftest import serve

ROOT = Path(__file__).resolve().parents[3]
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
pytestmark = pytest.mark.slow


@asynccontextmanager
async def emulator_process(db: Path, *extra: str) -> AsyncIterator[tuple[str, Any]]:
    """The real command in a subprocess; yields its base URL and the process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator.qstash",
        "--db",
        str(db),
        "--port",
        "0",
        *extra,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert proc.stdout is not None
    try:
        url = ""
        while not url:
            line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
            assert line, "the emulator exited before printing its URL"
            if line.startswith("QSTASH_URL="):
                url = line.strip().partition("=")[2]
        yield url, proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


class Destination:
    """Counts deliveries by message id; `/slow` hangs until released (an attempt in flight)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.hanging = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        message_id = request.headers["Upstash-Message-Id"]
        self.seen[message_id] = self.seen.get(message_id, 0) + 1
        if request.path == "/slow" and not self.release.is_set():
            self.hanging.set()
            await self.release.wait()
        return web.Response(text="ok")


async def _publish(
    http: aiohttp.ClientSession, base: str, target: str, **headers: str
) -> str | None:
    try:
        async with http.post(
            f"{base}/v2/publish/{target}", data=b"x", headers={**AUTH, **headers}
        ) as r:
            return (await r.json())["messageId"] if r.status == 200 else None
    except aiohttp.ClientError:
        return None  # the emulator died mid-request: not accepted, not owed


async def test_sigkill_mid_load_loses_nothing_accepted(tmp_path: Path) -> None:
    dest = Destination()
    async with serve(dest.handle) as sink:
        try:
            await _kill_and_restart(tmp_path / "state.sqlite3", dest, sink)
        finally:
            dest.release.set()


async def _kill_and_restart(db: Path, dest: Destination, sink: str) -> None:
    accepted: list[str] = []
    async with emulator_process(db) as (base, proc), aiohttp.ClientSession() as http:
        slow = await _publish(http, base, f"{sink}/slow")
        assert slow is not None
        await asyncio.wait_for(dest.hanging.wait(), 10)
        cron = {"Upstash-Cron": "* * * * *", "Upstash-Schedule-Id": "every-minute"}
        async with http.post(f"{base}/v2/schedules/{sink}/tick", headers={**AUTH, **cron}) as r:
            assert r.status == 200
        async with http.post(f"{base}/v2/keys/rotate", headers=AUTH) as r:
            rotated = await r.json()
        enough = asyncio.Event()

        async def publisher(n: int) -> None:
            for i in range(40):
                delay = {"Upstash-Delay": "1h"} if i % 2 else {}
                message_id = await _publish(http, base, f"{sink}/fast?p={n}&i={i}", **delay)
                if message_id is not None:
                    accepted.append(message_id)
                    if len(accepted) == 150:
                        enough.set()

        workers = [asyncio.create_task(publisher(n)) for n in range(16)]
        await asyncio.wait_for(enough.wait(), 30)
        os.kill(proc.pid, signal.SIGKILL)
        await asyncio.gather(*workers)
    assert len(accepted) >= 150
    dest.release.set()
    async with (
        emulator_process(db, "--manual-clock") as (base, _),
        aiohttp.ClientSession() as http,
    ):
        async with http.post(f"{base}/_emulator/run-until-idle", json={"limit": "2h"}) as r:
            assert r.status == 200
        async with http.get(f"{base}/v2/keys", headers=AUTH) as r:
            assert await r.json() == rotated
        async with http.get(f"{base}/v2/schedules/every-minute", headers=AUTH) as r:
            assert r.status == 200
    missing = [m for m in accepted if m not in dest.seen]
    assert missing == []
    assert dest.seen[slow] == 2  # the attempt in flight at the kill was made again
