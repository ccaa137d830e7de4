"""Benchmark the QStash emulator against a minimal relay, side by side in one run.

Usage: python bench/bench_emulator.py [--messages 3000] [--pending 100000] [--probes 150]
Prints a table; see bench/README.md for what each figure means. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
from bench_load import (
    Figures,
    Published,
    Target,
    collect,
    figures,
    percentiles,
    publish_many,
    publish_one,
)
from bench_procs import (
    BENCH_DIR,
    Server,
    Servers,
    cpu_seconds,
    rss_mib,
    wait_ready,
)

from emulator.qstash.config import DEFAULT_TOKEN
from service.testing import free_port

CONCURRENCIES = (1, 64)
WARMUP = 200
LOAD_CAP = 100_000  # bound on the background load's messages
# Targets from issue 2 (lateness under load: issue 10).
MIN_RATIO = 0.8
MAX_LATE_IDLE_MS = 5.0
MAX_LATE_LOAD_MS = 20.0
MAX_RSS_MIB = 120.0


@dataclass
class Bench:
    session: aiohttp.ClientSession
    receiver: str
    load_receiver: str  # the background load's destination, in a process of its own
    args: argparse.Namespace

    def hook(self, run: str) -> str:
        return f"{self.receiver}/hook/{run}"

    async def throughput(self, target: Target, concurrency: int, count: int, run: str) -> Figures:
        cpu_before = cpu_seconds(target.pid)
        published = await publish_many(
            self.session, target, self.hook(run), run, range(count), concurrency
        )
        arrivals = await collect(self.session, self.receiver, run, count)
        cpu_us = (cpu_seconds(target.pid) - cpu_before) / count * 1e6
        return replace(figures(published, arrivals), cpu_us_per_message=cpu_us)

    async def due_time(self, target: Target, sent: Published, delay: float) -> float:
        """When the emulator will deliver: its own notBefore, else the latest it could be."""
        url = f"{target.url}/v2/messages/{sent.message_id}"
        async with self.session.get(url, headers=target.auth) as response:
            if response.status == 200:
                return float((await response.json())["notBefore"]) / 1000
        return sent.answered + delay

    async def publish_probes(self, target: Target, run: str) -> dict[int, float]:
        """Publish messages delayed by 1-2 s, spread over a second; return their due times."""
        dues: dict[int, float] = {}
        spacing = 1.0 / self.args.probes
        for index in range(self.args.probes):
            delay = random.uniform(1.0, 2.0)
            headers = {"Upstash-Delay": f"{round(delay * 1000)}ms"}
            sent = await publish_one(self.session, target, self.hook(run), run, index, headers)
            dues[index] = await self.due_time(target, sent, delay)
            await asyncio.sleep(spacing)
        return dues

    async def lateness(
        self, target: Target, run: str, dues: dict[int, float]
    ) -> tuple[float, float]:
        """p50/p99 ms from due time to arrival."""
        arrivals = await collect(self.session, self.receiver, run, len(dues))
        return percentiles([(arrived - dues[i]) * 1000 for i, _, arrived in arrivals])

    async def lateness_idle(self, target: Target) -> tuple[float, float]:
        return await self.lateness(
            target, "delay-idle", await self.publish_probes(target, "delay-idle")
        )

    async def lateness_under_load(self, target: Target) -> tuple[float, float]:
        """Probes published and received here while 64 publishers in another process flood the
        emulator with messages for another receiver: this process and its receiver stay idle,
        so what is measured is the emulator's own lateness."""
        run = "load-behind-delays"
        flood = start_flood(target, f"{self.load_receiver}/hook/{run}", run)
        assert flood.stdin is not None
        assert flood.stdout is not None
        try:
            if await asyncio.to_thread(flood.stdout.readline) != b"ready\n":
                raise RuntimeError("the load generator did not start")
            await asyncio.sleep(0.5)  # let the load reach full speed first
            dues = await self.publish_probes(target, "delay-load")
            # Keep the load on until the last probe is due, so every probe meets it.
            await asyncio.sleep(max(dues.values()) - time.time() + 0.2)
            out, _ = await asyncio.to_thread(flood.communicate)  # EOF on stdin stops it
            published = int(out)
        finally:
            if flood.poll() is None:
                flood.kill()
                flood.wait()
        result = await self.lateness(target, "delay-load", dues)
        await collect(self.session, self.load_receiver, run, published)  # drain before next
        return result

    async def pending_rss(self, target: Target, pid: int) -> tuple[float, float, float]:
        """RSS before and after holding `pending` messages delayed by an hour, and publish rate."""
        before = rss_mib(pid)
        run = "pending"
        headers = {"Upstash-Delay": "1h"}
        started = time.monotonic()
        await publish_many(
            self.session,
            target,
            self.hook(run),
            run,
            range(self.args.pending),
            64,
            headers_for=lambda _: headers,
        )
        rate = self.args.pending / (time.monotonic() - started)
        return before, rss_mib(pid), rate


def start_flood(target: Target, destination: str, run: str) -> subprocess.Popen[bytes]:
    """bench_flood.py: 64 publishers until its stdin closes; prints "ready", then its count."""
    argv = [sys.executable, str(BENCH_DIR / "bench_flood.py"), "--target", target.url]
    argv += ["--token", target.token, "--run", run, "--publishers", "64"]
    argv += ["--destination", destination, "--cap", str(LOAD_CAP)]
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def _row(label: str, relay: str, emulator: str, note: str = "") -> str:
    return f"{label:<38}{relay:>12}{emulator:>12}  {note}"


def _ratio(emulator: float, relay: float) -> str:
    return f"{emulator / relay:.2f}x" if relay else "n/a"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSES TARGET"


def _medians(runs: list[Figures]) -> tuple[float, float, float, float]:
    """Median throughput, p50, p99 and server CPU per message over the rounds."""

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    return (
        median([f.throughput for f in runs]),
        median([f.p50_ms for f in runs]),
        median([f.p99_ms for f in runs]),
        median([f.cpu_us_per_message for f in runs]),
    )


def _throughput_rows(concurrency: int, relay: list[Figures], emulator: list[Figures]) -> list[str]:
    label = f"{concurrency} publisher{'s' if concurrency > 1 else ''}"
    rel_rate, rel_p50, rel_p99, rel_cpu = _medians(relay)
    emu_rate, emu_p50, emu_p99, emu_cpu = _medians(emulator)
    note = _ratio(emu_rate, rel_rate)
    if concurrency == 64:
        note += f"  target >= {MIN_RATIO}x: {_verdict(emu_rate >= MIN_RATIO * rel_rate)}"

    def each(runs: list[Figures]) -> str:
        return ", ".join(f"{f.throughput:,.0f}" for f in runs)

    rows = [
        _row(f"{label}: msgs/s (median)", _fmt(rel_rate, 0), _fmt(emu_rate, 0), note),
        _row(f"{label}: publish->arrival p50 ms", _fmt(rel_p50), _fmt(emu_p50)),
        _row(f"{label}: publish->arrival p99 ms", _fmt(rel_p99), _fmt(emu_p99)),
        _row(
            f"{label}: server CPU us/message",
            _fmt(rel_cpu, 0),
            _fmt(emu_cpu, 0),
            _ratio(emu_cpu, rel_cpu) + " (steadier than msgs/s on a busy machine)",
        ),
        f"    rounds msgs/s: relay {each(relay)} | emulator {each(emulator)}",
    ]
    for name, runs in (("relay", relay), ("emulator", emulator)):
        lost = sum(f.expected - f.delivered for f in runs)
        if lost:
            rows.append(f"  !! {name}: {lost} published messages did not arrive within the timeout")
    return rows


_EMULATOR_MAIN = "import sys; from emulator.qstash.cli import main; sys.exit(main(sys.argv[1:]))"


def start_emulator(servers: Servers, name: str) -> Server:
    """The `qstash-emulator` entry point, on a free port, with a database in the work folder."""
    port = free_port()
    argv = [sys.executable, "-c", _EMULATOR_MAIN, "--port", str(port), "--db", f"{name}.db"]
    return servers.start(name, argv, port)


async def _ready(session: aiohttp.ClientSession, server: Server) -> Target:
    target = Target(server.name, server.url, DEFAULT_TOKEN, server.pid)
    await wait_ready(session, server, "/v2/keys", target.auth)
    return target


async def _throughput_section(bench: Bench, targets: dict[str, Target]) -> list[str]:
    for name, target in targets.items():
        await bench.throughput(target, 64, WARMUP, f"warmup-{name}")
    lines = [_row("", "relay", "emulator", "emulator/relay")]
    for concurrency in CONCURRENCIES:
        rounds: dict[str, list[Figures]] = {name: [] for name in targets}
        # Alternate targets over several rounds and keep medians: the machine may be shared,
        # and drift or a neighbour's burst then hits both sides alike.
        for round_number in range(bench.args.rounds):
            for name, target in targets.items():
                run_name = f"{name}-{concurrency}-{round_number}"
                rounds[name].append(
                    await bench.throughput(target, concurrency, bench.args.messages, run_name)
                )
        lines += _throughput_rows(concurrency, rounds["relay"], rounds["emulator"])
    return lines


async def _delay_section(bench: Bench, emulator: Target) -> list[str]:
    idle = await bench.lateness_idle(emulator)
    loaded = await bench.lateness_under_load(emulator)
    return [
        _row(
            "delay lateness idle p50/p99 ms",
            "",
            f"{_fmt(idle[0])}/{_fmt(idle[1])}",
            f"target p99 <= {MAX_LATE_IDLE_MS}: {_verdict(idle[1] <= MAX_LATE_IDLE_MS)}",
        ),
        _row(
            "delay lateness 64-publisher load p50/p99",
            "",
            f"{_fmt(loaded[0])}/{_fmt(loaded[1])}",
            f"target p99 <= {MAX_LATE_LOAD_MS}: {_verdict(loaded[1] <= MAX_LATE_LOAD_MS)}",
        ),
    ]


async def _memory_section(bench: Bench, servers: Servers, used: Server) -> list[str]:
    lines = [
        _row("RSS after the runs above MiB", "", _fmt(rss_mib(used.pid)), "(keeps recent events)")
    ]
    if not bench.args.pending:
        return lines
    # A fresh process, so the figure is the pending messages, not what the runs left behind.
    fresh = start_emulator(servers, "emulator-fresh")
    before, after, rate = await bench.pending_rss(await _ready(bench.session, fresh), fresh.pid)
    return [
        *lines,
        _row("RSS of a fresh emulator MiB", "", _fmt(before)),
        _row(
            f"RSS holding {bench.args.pending:,} pending MiB",
            "",
            _fmt(after),
            f"target <= {MAX_RSS_MIB:.0f}: {_verdict(after <= MAX_RSS_MIB)}",
        ),
        _row("publish rate of delayed messages msgs/s", "", _fmt(rate, 0)),
    ]


async def run(args: argparse.Namespace, servers: Servers) -> list[str]:
    receiver_port, load_port, relay_port = free_port(), free_port(), free_port()
    receiver = servers.python(
        "receiver", "bench_receiver.py", "--port", str(receiver_port), port=receiver_port
    )
    load_receiver = servers.python(
        "load-receiver", "bench_receiver.py", "--port", str(load_port), port=load_port
    )
    relay = servers.python(
        "relay", "bench_relay.py", "--port", str(relay_port), "--db", "relay.db", port=relay_port
    )
    emulator = start_emulator(servers, "emulator")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        await wait_ready(session, receiver, "/_count?run=none", {})
        await wait_ready(session, load_receiver, "/_count?run=none", {})
        targets = {
            "relay": await _ready(session, relay),
            "emulator": await _ready(session, emulator),
        }
        bench = Bench(session, receiver.url, load_receiver.url, args)
        lines = await _throughput_section(bench, targets)
        lines += await _delay_section(bench, targets["emulator"])
        lines += await _memory_section(bench, servers, emulator)
        return lines


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000, help="messages per throughput run")
    parser.add_argument(
        "--pending", type=int, default=100_000, help="delayed messages for the RSS figure (0 skips)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per figure")
    parser.add_argument("--probes", type=int, default=150, help="delayed messages per lateness run")
    args = parser.parse_args(argv)
    started = time.monotonic()
    # The servers run in their own sessions; turn a kill into an exception so the `finally`
    # below stops them instead of leaving them running.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as workdir:
        servers = Servers(Path(workdir))
        try:
            lines = asyncio.run(run(args, servers))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            servers.stop()
    print("\n".join(lines))
    print(f"(whole benchmark: {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
