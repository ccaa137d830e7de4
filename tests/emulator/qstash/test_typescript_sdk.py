"""The official TypeScript SDK publishes to the emulator and verifies its signatures."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from emulator.qstash.signing import new_signing_key
from emulator.qstash.testing import running_emulator

pytestmark = pytest.mark.node

SDK_VERSION = "2.12.0"
SCRIPT = Path(__file__).with_name("typescript_sdk_check.mjs")
STEP_TIMEOUT = 30.0


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "creator-scout" / "npm-qstash"


def _installed_entry(folder: Path) -> Path | None:
    package = folder / "node_modules" / "@upstash" / "qstash"
    try:
        version = json.loads((package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return package / "index.mjs" if version == SDK_VERSION else None


@pytest.fixture(scope="session")
def sdk_entry() -> Path:
    """The SDK's ESM entry, installed once with npm into a cache outside the repository."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run the official TypeScript SDK")
    cache = _cache_dir()
    entry = _installed_entry(cache)
    if entry is not None:
        return entry
    # Install beside the cache and move it in whole, so an interrupted install is never reused.
    staging = cache.with_name(f"{cache.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", f"@upstash/qstash@{SDK_VERSION}"],
        cwd=staging,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip(f"npm could not install @upstash/qstash@{SDK_VERSION}: {result.stderr[-500:]}")
    shutil.rmtree(cache, ignore_errors=True)
    staging.rename(cache)
    installed = _installed_entry(cache)
    assert installed is not None, f"npm reported success but {cache} holds no SDK {SDK_VERSION}"
    return installed


@dataclass
class Receiver:
    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        self.arrived.set()
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hooks/ts", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        hook.url = f"http://{host}:{port}/hooks/ts"
        yield hook
    finally:
        await runner.cleanup()


async def _read_json_line(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), STEP_TIMEOUT)
    if not line:
        assert process.stderr is not None
        stderr = (await process.stderr.read()).decode(errors="replace")
        pytest.fail(f"the node script stopped early:\n{stderr}")
    result: dict[str, Any] = json.loads(line)
    return result


@pytest.mark.timeout(300)  # the first run installs the SDK with npm
async def test_typescript_sdk_publishes_and_verifies(
    sdk_entry: Path, receiver: Receiver, tmp_path: Path
) -> None:
    node = shutil.which("node")
    assert node is not None
    async with running_emulator(str(tmp_path / "emulator.db")) as emu:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),  # the SDK's dev-server binary cache lives under HOME
            "SDK_ENTRY": sdk_entry.as_uri(),
            "EMULATOR_URL": emu.url,
            "EMULATOR_TOKEN": emu.token,
            "QSTASH_DEV_PORT": emu.url.rsplit(":", 1)[1],
            "RECEIVER_URL": receiver.url,
            "CURRENT_KEY": emu.current_signing_key,
            "NEXT_KEY": emu.next_signing_key,
            "OTHER_KEY": new_signing_key(),
        }
        process = await asyncio.create_subprocess_exec(
            node,
            str(SCRIPT),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        try:
            published = await _read_json_line(process)
            assert published["messageId"].startswith("msg_")
            assert published["pendingUrl"] == receiver.url
            assert f"Server already running at {emu.url}" in "\n".join(published["logs"])

            await emu.drain()
            await asyncio.wait_for(receiver.arrived.wait(), STEP_TIMEOUT)
            ((headers, body),) = receiver.requests
            assert json.loads(body) == {"hello": "from node", "n": 1}
            assert headers["X-From"] == "typescript-sdk"
            assert headers["Upstash-Message-Id"] == published["messageId"]
            assert headers["Content-Type"] == "application/json"

            delivery = {
                "signature": headers["Upstash-Signature"],
                "body": body.decode(),
                "url": receiver.url,
            }
            assert process.stdin is not None
            process.stdin.write(json.dumps(delivery).encode() + b"\n")
            await process.stdin.drain()
            verdicts = await _read_json_line(process)
            assert await asyncio.wait_for(process.wait(), STEP_TIMEOUT) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert verdicts["valid"] is True
    assert verdicts["validAfterRotation"] is True
    assert verdicts["tamperedBody"].startswith("rejected: body hash does not match")
    assert verdicts["otherUrl"].startswith("rejected: invalid subject")
    assert verdicts["wrongKeys"].startswith("rejected: signature verification failed")
