"""Start, watch and stop the benchmark's server processes (emulator, relay, receiver)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
READY_TIMEOUT = 20.0


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc (Linux)."""
    # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class Servers:
    """Every process the benchmark started; stop() ends exactly those, even on Ctrl-C."""

    workdir: Path
    started: list[Server] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], port: int, env: dict[str, str] | None = None
    ) -> Server:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                env=env,  # None: ours
                # Own session: a Ctrl-C reaches only us, and we stop the children in order.
                start_new_session=True,
            )
        server = Server(name, f"http://127.0.0.1:{port}", process, log)
        self.started.append(server)
        return server

    def python(self, name: str, script: str, *args: str, port: int) -> Server:
        return self.start(name, [sys.executable, str(BENCH_DIR / script), *args], port)

    def stop(self) -> None:
        for server in self.started:
            if server.process.poll() is None:
                server.process.terminate()
        for server in self.started:
            try:
                server.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
        self.started.clear()


async def wait_ready(
    session: aiohttp.ClientSession,
    server: Server,
    path: str,
    headers: dict[str, str],
    *,
    ready_within: float = READY_TIMEOUT,
) -> None:
    """Poll until the server answers `path`; fail fast, with its log, if it exits."""
    deadline = asyncio.get_running_loop().time() + ready_within
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log_tail()}")
        try:
            async with session.get(server.url + path, headers=headers) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientConnectionError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(
                f"{server.name} not ready after {ready_within:.0f}s:\n{server.log_tail()}"
            )
        await asyncio.sleep(0.05)
