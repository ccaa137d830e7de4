"""SIGKILL the emulator mid-load, restart it on the same database: nothing accepted is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
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


@contextmanager
def small_filesystem(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `where` (root only): a disk that really fills up."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def _remount(where: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(where)], check=True)


async def _publish_status(http: aiohttp.ClientSession, base: str, target: str) -> tuple[int, Any]:
    headers = {**AUTH, "Upstash-Delay": "1h"}
    async with http.post(f"{base}/v2/publish/{target}", data=b"x" * 4000, headers=headers) as r:
        return r.status, await r.json()


async def test_a_full_disk_acknowledges_only_what_survives_a_sigkill(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "small", "512k") as small:
        db = small / "state.sqlite3"
        acknowledged: list[str] = []
        refused = 0
        async with emulator_process(db) as (base, proc), aiohttp.ClientSession() as http:

            async def publisher(n: int) -> None:
                nonlocal refused
                while refused < 40:
                    status, body = await _publish_status(http, base, f"http://127.0.0.1:9/{n}")
                    if status == 200:
                        acknowledged.append(body["messageId"])
                    else:
                        assert (status, set(body)) == (500, {"error"})
                        refused += 1

            await asyncio.wait_for(asyncio.gather(*(publisher(n) for n in range(8))), 40)
            os.kill(proc.pid, signal.SIGKILL)
        assert acknowledged
        _remount(small, "64m")  # the disk has room again
        async with (
            emulator_process(db, "--manual-clock") as (base, _),
            aiohttp.ClientSession() as http,
        ):
            for message_id in acknowledged:
                async with http.get(f"{base}/v2/messages/{message_id}", headers=AUTH) as r:
                    assert r.status == 200, message_id
        with closing(sqlite3.connect(db)) as conn:
            stored = {row[0] for row in conn.execute("SELECT id FROM messages")}
        assert stored == set(acknowledged)  # acknowledged == present: nothing more, nothing less
