"""Benchmark the QStash emulator against a minimal relay, side by side in one run.

Usage: python bench/bench_emulator.py [--messages 3000] [--pending 100000] [--probes 150]
Prints a table; see bench/README.md for what each figure means. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from bench_load import (
    Figures,
    Published,
    Target,
    collect,
    endless,
    figures,
    percentiles,
    publish_many,
    publish_one,
)
from bench_procs import Servers, free_port, rss_mib, wait_ready

from emulator.qstash.config import DEFAULT_TOKEN

CONCURRENCIES = (1, 64)
WARMUP = 200
# Targets from issue 2.
MIN_RATIO = 0.8
MAX_LATE_IDLE_MS = 5.0
MAX_LATE_LOAD_MS = 30.0
MAX_RSS_MIB = 120.0


@dataclass
class Bench:
    session: aiohttp.ClientSession
    receiver: str
    args: argparse.Namespace

    def hook(self, run: str) -> str:
        return f"{self.receiver}/hook/{run}"

    async def throughput(self, target: Target, concurrency: int, count: int, run: str) -> Figures:
        published = await publish_many(
            self.session, target, self.hook(run), run, range(count), concurrency
        )
        return figures(published, await collect(self.session, self.receiver, run, count))

    async def due_time(self, target: Target, sent: Published, delay: float) -> float:
        """When the emulator will deliver: its own notBefore, else the latest it could be."""
        url = f"{target.url}/v2/messages/{sent.message_id}"
        async with self.session.get(url, headers=target.auth) as response:
            if response.status == 200:
                return float((await response.json())["notBefore"]) / 1000
        return sent.answered + delay

    async def lateness(self, target: Target, run: str) -> tuple[float, float]:
        """p50/p99 ms between due time and arrival, for messages delayed by 1-2 s."""
        dues: dict[int, float] = {}
        spacing = 1.0 / self.args.probes  # spread the probes over one second
        for index in range(self.args.probes):
            delay = random.uniform(1.0, 2.0)
            headers = {"Upstash-Delay": f"{round(delay * 1000)}ms"}
            sent = await publish_one(self.session, target, self.hook(run), run, index, headers)
            dues[index] = await self.due_time(target, sent, delay)
            await asyncio.sleep(spacing)
        arrivals = await collect(self.session, self.receiver, run, len(dues))
        return percentiles([(arrived - dues[i]) * 1000 for i, _, arrived in arrivals])

    async def lateness_under_load(self, target: Target) -> tuple[float, float]:
        stop = asyncio.Event()
        run = "load-behind-delays"
        load = asyncio.create_task(
            publish_many(self.session, target, self.hook(run), run, endless(), 64, stop=stop)
        )
        await asyncio.sleep(0.5)  # let the load reach full speed first
        try:
            result = await self.lateness(target, "delay-load")
        finally:
            stop.set()
            published = await load
        await collect(self.session, self.receiver, run, len(published))  # drain before next
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


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def _row(label: str, relay: str, emulator: str, note: str = "") -> str:
    return f"{label:<38}{relay:>12}{emulator:>12}  {note}"


def _ratio(emulator: float, relay: float) -> str:
    return f"{emulator / relay:.2f}x" if relay else "n/a"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSES TARGET"


def _medians(runs: list[Figures]) -> tuple[float, float, float]:
    """Median throughput, p50 and p99 over the rounds."""

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    return (
        median([f.throughput for f in runs]),
        median([f.p50_ms for f in runs]),
        median([f.p99_ms for f in runs]),
    )


def _throughput_rows(concurrency: int, relay: list[Figures], emulator: list[Figures]) -> list[str]:
    label = f"{concurrency} publisher{'s' if concurrency > 1 else ''}"
    (rel_rate, rel_p50, rel_p99), (emu_rate, emu_p50, emu_p99) = _medians(relay), _medians(emulator)
    note = _ratio(emu_rate, rel_rate)
    if concurrency == 64:
        note += f"  target >= {MIN_RATIO}x: {_verdict(emu_rate >= MIN_RATIO * rel_rate)}"

    def each(runs: list[Figures]) -> str:
        return ", ".join(f"{f.throughput:,.0f}" for f in runs)

    rows = [
        _row(f"{label}: msgs/s (median)", _fmt(rel_rate, 0), _fmt(emu_rate, 0), note),
        _row(f"{label}: publish->arrival p50 ms", _fmt(rel_p50), _fmt(emu_p50)),
        _row(f"{label}: publish->arrival p99 ms", _fmt(rel_p99), _fmt(emu_p99)),
        f"    rounds msgs/s: relay {each(relay)} | emulator {each(emulator)}",
    ]
    for name, runs in (("relay", relay), ("emulator", emulator)):
        lost = sum(f.expected - f.delivered for f in runs)
        if lost:
            rows.append(f"  !! {name}: {lost} published messages did not arrive within the timeout")
    return rows


async def run(args: argparse.Namespace, servers: Servers) -> list[str]:
    receiver_port, relay_port, emulator_port = free_port(), free_port(), free_port()
    receiver = servers.python(
        "receiver", "bench_receiver.py", "--port", str(receiver_port), port=receiver_port
    )
    relay = servers.python(
        "relay", "bench_relay.py", "--port", str(relay_port), "--db", "relay.db", port=relay_port
    )
    emulator = servers.start(
        "emulator",
        [
            sys.executable,
            "-c",
            "import sys; from emulator.qstash.cli import main; sys.exit(main(sys.argv[1:]))",
            *("--port", str(emulator_port), "--db", "emulator.db"),
        ],
        port=emulator_port,
    )
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        targets = {
            "relay": Target("relay", relay.url, DEFAULT_TOKEN),
            "emulator": Target("emulator", emulator.url, DEFAULT_TOKEN),
        }
        await wait_ready(session, receiver, "/_count?run=none", {})
        for server, target in ((relay, targets["relay"]), (emulator, targets["emulator"])):
            await wait_ready(session, server, "/v2/keys", target.auth)
        bench = Bench(session, receiver.url, args)
        for name, target in targets.items():
            await bench.throughput(target, 64, WARMUP, f"warmup-{name}")

        lines = [_row("", "relay", "emulator", "emulator/relay")]
        for concurrency in CONCURRENCIES:
            rounds: dict[str, list[Figures]] = {name: [] for name in targets}
            # Alternate targets over several rounds and keep medians: the machine is shared,
            # and drift or a neighbour's burst then hits both sides alike.
            for round_number in range(args.rounds):
                for name, target in targets.items():
                    run_name = f"{name}-{concurrency}-{round_number}"
                    rounds[name].append(
                        await bench.throughput(target, concurrency, args.messages, run_name)
                    )
            lines += _throughput_rows(concurrency, rounds["relay"], rounds["emulator"])

        emu_target = targets["emulator"]
        p50, p99 = await bench.lateness(emu_target, "delay-idle")
        lines.append(
            _row(
                "delay lateness idle p50/p99 ms",
                "",
                f"{_fmt(p50)}/{_fmt(p99)}",
                f"target p99 <= {MAX_LATE_IDLE_MS}: {_verdict(p99 <= MAX_LATE_IDLE_MS)}",
            )
        )
        p50, p99 = await bench.lateness_under_load(emu_target)
        lines.append(
            _row(
                "delay lateness 64-publisher load p50/p99",
                "",
                f"{_fmt(p50)}/{_fmt(p99)}",
                f"target p99 <= {MAX_LATE_LOAD_MS}: {_verdict(p99 <= MAX_LATE_LOAD_MS)}",
            )
        )
        if args.pending:
            before, after, rate = await bench.pending_rss(emu_target, emulator.pid)
            lines.append(_row("RSS idle MiB", "", _fmt(before)))
            lines.append(
                _row(
                    f"RSS holding {args.pending:,} pending MiB",
                    "",
                    _fmt(after),
                    f"target <= {MAX_RSS_MIB:.0f}: {_verdict(after <= MAX_RSS_MIB)}",
                )
            )
            lines.append(_row("publish rate of delayed messages msgs/s", "", _fmt(rate, 0)))
        return lines


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
