"""Benchmark one against two `scout serve` instances sharing one PostgreSQL database.

Usage: python bench/bench_scale.py [--jobs 100] [--rounds 2] [--counted-rounds 1]
                                   [--postgres-url URL]

Each phase starts, on loopback, the QStash emulator, the ScrapeCreators mock (synthetic), a
round-robin load balancer (`bench_lb.py`, whose URL is every instance's PUBLIC_BASE_URL), a
statement-counting PostgreSQL relay (`bench_pgcount.py`) and N `scout serve` processes on a
fresh database (created here, migrated with `scout db upgrade`, dropped at the end). Each
round runs the same job set through N = 1 and N = 2 (the order alternates); the totals give
jobs per minute, service CPU per step and statements per step for each N, with the ratios.
Then `--counted-rounds` (1) more rounds run the instances under valgrind's callgrind, which
counts their instructions per step: CPU work that, unlike CPU seconds, does not depend on what
else the machine's cores are doing.
It checks that every job completes, that no job counts a creator twice and every phase found
the same creators, that CPU work (instructions; seconds with `--counted-rounds 0`) and
statements per step do not grow with the instance count (within 15%), that both instances ran
steps and that they share one sweep schedule; a failed check makes the exit code 1. See
bench/README.md for what the figures show on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import bench_instructions
from bench_db import plain_url
from bench_procs import Server, Servers, cpu_seconds, wait_ready
from bench_stack import (
    ADMIN,
    NO_DELAYS,
    emulator_argv,
    live_tiktok_handle,
    mock_argv,
    service_env,
)
from sqlalchemy.engine import make_url

from emulator.qstash.config import DEFAULT_TOKEN
from scout.api_client import ServiceClient, ServiceError
from service.testing import free_port, postgres_database

MAX_GROWTH = 1.15  # per-step CPU and statements of N=2 may be at most this times N=1's
# (route, body) makers cycled over the job set: every kind, each job with its own input.
KINDS: tuple[tuple[str, str], ...] = (
    ("tiktok", "keywords"),
    ("youtube", "keywords"),
    ("tiktok-similar", "username"),
    ("instagram", "username"),
    ("youtube-similar", "username"),
)
MEASURED = "scale"  # the user owning the measured jobs (warm-up jobs have their own)
POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.5


@dataclass(frozen=True)
class JobSpec:
    label: str
    route: str
    body: dict[str, Any]


def job_set(count: int, target: int) -> list[JobSpec]:
    specs = []
    for i in range(count):
        route, field_name = KINDS[i % len(KINDS)]
        value: Any = (
            [f"scale topic {i}"]
            if field_name == "keywords"
            else live_tiktok_handle(f"scalecreator{i}.")
        )
        body = {field_name: value, "targetResults": target}
        specs.append(JobSpec(f"{route}:{i}", route, body))
    return specs


@dataclass
class Phase:
    instances: int
    jobs: int = 0
    warmup: int = 0
    seconds: float = 0.0  # first job created to last job finished (database timestamps)
    steps_by_instance: list[int] = field(default_factory=list)
    step_statuses: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # all service processes, user + system
    proxies_cpu_seconds: float = 0.0  # the benchmark's load balancer and statement counter
    statements: int = 0
    connections: int = 0  # database connections the instances opened
    statuses: dict[str, int] = field(default_factory=dict)
    creators: dict[str, frozenset[str]] = field(default_factory=dict)  # job label -> keys
    miscounted_jobs: int = 0  # processed_results differs from the rows the job holds
    unsent_outbox: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # job label -> why it did not complete
    schedules: list[str] = field(default_factory=list)  # sweep schedule destinations
    counted: bool = False  # the instances ran under callgrind: instructions, not timings
    instructions: int = 0  # all service processes, over the measured jobs

    @property
    def steps(self) -> int:
        return sum(self.steps_by_instance)

    @property
    def jobs_per_minute(self) -> float:
        return self.jobs / self.seconds * 60 if self.seconds else 0.0

    @property
    def cpu_ms_per_step(self) -> float:
        return self.cpu_seconds / self.steps * 1000 if self.steps else float("nan")

    @property
    def proxies_cpu_ms_per_step(self) -> float:
        return self.proxies_cpu_seconds / self.steps * 1000 if self.steps else float("nan")

    @property
    def statements_per_step(self) -> float:
        return self.statements / self.steps if self.steps else float("nan")

    @property
    def instructions_per_step(self) -> float:
        return self.instructions / self.steps if self.steps else float("nan")


def scout_argv(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("scout")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "scout", *args]


class Run:
    """One phase's processes on its own (empty) database; `servers.stop()` ends them."""

    def __init__(self, workdir: Path, database_url: str, instances: int, *, counted: bool) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.instances = instances
        self.counted = counted
        self.servers = Servers(workdir)
        self.services: list[Server] = []

    async def start(self, session: aiohttp.ClientSession) -> None:
        upgrade = await asyncio.create_subprocess_exec(
            *scout_argv("db", "upgrade"),
            env={**os.environ, "DATABASE_URL": self.database_url},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await upgrade.communicate()
        if upgrade.returncode != 0:
            raise RuntimeError(f"scout db upgrade failed:\n{output.decode(errors='replace')}")

        direct = make_url(self.database_url)
        ports = {name: free_port() for name in ("qstash", "mock", "lb", "pg", "pgstats")}
        service_ports = [free_port() for _ in range(self.instances)]
        s = self.servers
        self.emulator = s.start("emulator", emulator_argv(ports["qstash"]), ports["qstash"])
        self.mock = s.start("mock", mock_argv(ports["mock"]), ports["mock"])
        self.counter = s.python(
            "pgcount",
            "bench_pgcount.py",
            "--port",
            str(ports["pg"]),
            "--stats-port",
            str(ports["pgstats"]),
            "--target",
            f"{direct.host or '127.0.0.1'}:{direct.port or 5432}",
            port=ports["pgstats"],
        )
        backends = [arg for p in service_ports for arg in ("--backend", f"http://127.0.0.1:{p}")]
        self.lb = s.python(
            "lb", "bench_lb.py", "--port", str(ports["lb"]), *backends, port=ports["lb"]
        )
        for server, path in (
            (self.emulator, "/_emulator/clock"),
            (self.mock, "/"),
            (self.counter, "/stats"),
            (self.lb, "/_lb/stats"),
        ):
            await wait_ready(session, server, path, {})
        # The instances reach PostgreSQL through the counting relay, in the clear (loopback).
        relayed = direct.set(host="127.0.0.1", port=ports["pg"])
        relayed = relayed.update_query_dict({"sslmode": "disable"})
        env = {
            **os.environ,
            **service_env(
                qstash_url=self.emulator.url,
                mock_url=self.mock.url,
                public_url=self.lb.url,
                database_url=relayed.render_as_string(hide_password=False),
            ),
        }
        for index, port in enumerate(service_ports):
            serve = scout_argv("serve", "--host", "127.0.0.1", "--port", str(port))
            argv = bench_instructions.under_callgrind(serve, self.instructions_file(index))
            self.services.append(s.start(f"service{index + 1}", argv, port, env))
        for index, service in enumerate(self.services):
            ready = bench_instructions.ready_within(self.instructions_file(index))
            await wait_ready(session, service, "/healthz", {}, ready_within=ready)
        for service in self.services:
            # Each instance caches config for 30 s: write it through every one of them.
            await ServiceClient(session, service.url, admin=ADMIN).configure(NO_DELAYS)

    async def lb_stats(self, session: aiohttp.ClientSession) -> list[dict[str, Any]]:
        async with session.get(f"{self.lb.url}/_lb/stats") as response:
            stats: list[dict[str, Any]] = await response.json()
        return stats

    async def database_counts(self, session: aiohttp.ClientSession) -> tuple[int, int]:
        """Statements run and connections opened by the instances so far."""
        async with session.get(f"{self.counter.url}/stats") as response:
            counts = await response.json()
        return int(counts["statements"]), int(counts["connections"])

    def cpu(self) -> float:
        return sum(cpu_seconds(service.pid) for service in self.services)

    def instructions_file(self, index: int) -> Path | None:
        """Where callgrind writes instance `index`'s counts (None: not counted)."""
        return self.workdir / f"service{index + 1}.callgrind" if self.counted else None

    async def start_counting(self) -> None:
        for service in self.services:
            await bench_instructions.start_counting(service.pid)

    async def instructions(self) -> int:
        """Instructions the instances ran since `start_counting`."""
        total = 0
        for index, service in enumerate(self.services):
            out_file = self.instructions_file(index)
            assert out_file is not None, "counting needs a phase run under callgrind"
            total += await bench_instructions.counted(service.pid, out_file)
        return total

    def proxies_cpu(self) -> float:
        return cpu_seconds(self.lb.pid) + cpu_seconds(self.counter.pid)


async def submit(
    session: aiohttp.ClientSession, url: str, user: str, specs: list[JobSpec], concurrency: int
) -> dict[str, str]:
    """Create every job as `user` through the load balancer; returns job id -> label."""
    client = ServiceClient(session, url, user=user, admin=ADMIN)
    campaign = await client.campaign("Scale benchmark")
    queue = iter(specs)
    labels: dict[str, str] = {}

    async def worker() -> None:
        for spec in queue:
            labels[await client.create_job(spec.route, spec.body, campaign=campaign)] = spec.label

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return labels


async def wait_finished(db: asyncpg.Connection, run: Run, user: str, expected: int) -> None:
    """Poll the database (directly, not through the counter) until `user`'s jobs all ended."""
    while True:
        row = await db.fetchrow(
            "SELECT count(*) AS total, count(*) FILTER (WHERE status IN ('pending', 'processing'))"
            " AS active FROM scraping_jobs WHERE user_id = $1",
            user,
        )
        if row["total"] >= expected and row["active"] == 0:
            return
        for service in run.services:
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited:\n{service.log_tail()}")
        await asyncio.sleep(POLL_SECONDS)


async def run_jobs(
    session: aiohttp.ClientSession,
    db: asyncpg.Connection,
    run: Run,
    user: str,
    specs: list[JobSpec],
    args: argparse.Namespace,
) -> dict[str, str]:
    try:
        async with asyncio.timeout(args.timeout):
            labels = await submit(session, run.lb.url, user, specs, args.concurrency)
            await wait_finished(db, run, user, len(specs))
    except TimeoutError:
        raise RuntimeError(f"{user}'s jobs not finished after {args.timeout:.0f} s") from None
    return labels


async def read_results(db: asyncpg.Connection, phase: Phase, labels: dict[str, str]) -> None:
    # Every job counts for the checks (warm-up ones too); the timing is the measured jobs'.
    rows = await db.fetch("SELECT status, count(*) AS n FROM scraping_jobs GROUP BY status")
    phase.statuses = {row["status"]: row["n"] for row in rows}
    for row in await db.fetch(
        "SELECT id, status, error FROM scraping_jobs WHERE status <> 'completed'"
    ):
        label = labels.get(str(row["id"]), f"warm-up {row['id']}")
        phase.errors[label] = f"{row['status']}: {row['error']}"
    span = await db.fetchrow(
        "SELECT min(created_at) AS first, max(completed_at) AS last FROM scraping_jobs"
        " WHERE user_id = $1",
        MEASURED,
    )
    if span["first"] is not None and span["last"] is not None:
        phase.seconds = (span["last"] - span["first"]).total_seconds()
    phase.miscounted_jobs = await db.fetchval(
        "SELECT count(*) FROM scraping_jobs AS j WHERE processed_results <> "
        "(SELECT count(*) FROM scraping_results AS r WHERE r.job_id = j.id)"
    )
    phase.unsent_outbox = await db.fetchval(
        "SELECT count(*) FROM step_outbox WHERE sent_at IS NULL"
    )
    keys: dict[str, set[str]] = {label: set() for label in labels.values()}
    for row in await db.fetch("SELECT job_id, creator_key FROM scraping_results"):
        measured = labels.get(str(row["job_id"]))
        if measured is not None:
            keys[measured].add(row["creator_key"])
    phase.creators = {label: frozenset(found) for label, found in keys.items()}


async def run_phase(
    session: aiohttp.ClientSession,
    args: argparse.Namespace,
    instances: int,
    specs: list[JobSpec],
    warmup: list[JobSpec],
    *,
    counted: bool,
) -> Phase:
    phase = Phase(instances, jobs=len(specs), warmup=len(warmup), counted=counted)
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        # A fresh database per phase, dropped after its processes have stopped.
        async with postgres_database(args.postgres_url, f"scale_n{instances}") as database:
            run = Run(Path(tmp), database, instances, counted=counted)
            try:
                await run.start(session)
                lb_before, lb_after = await measure(session, run, phase, specs, warmup, args)
            except BaseException:
                if args.keep_logs:
                    for server in run.servers.started:
                        shutil.copy(
                            server.log, Path.cwd() / f"bench_scale_n{instances}_{server.name}.log"
                        )
                raise
            finally:
                run.servers.stop()
    statuses: dict[str, int] = {}
    for before, after in zip(lb_before, lb_after, strict=True):
        phase.steps_by_instance.append(sum(after["steps"].values()) - sum(before["steps"].values()))
        for status, count in after["steps"].items():
            statuses[status] = statuses.get(status, 0) + count - before["steps"].get(status, 0)
    phase.step_statuses = {s: n for s, n in sorted(statuses.items()) if n}
    return phase


async def measure(
    session: aiohttp.ClientSession,
    run: Run,
    phase: Phase,
    specs: list[JobSpec],
    warmup: list[JobSpec],
    args: argparse.Namespace,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the warm-up, then the measured jobs into `phase`; the balancer's stats around them."""
    async with session.get(
        f"{run.emulator.url}/v2/schedules",
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
    ) as response:
        phase.schedules = [s["destination"] for s in await response.json()]
    db = await asyncpg.connect(plain_url(run.database_url))
    try:
        if warmup:
            # Pools, caches and code paths warm on every instance before measuring.
            await run_jobs(session, db, run, "warm-up", warmup, args)
            await asyncio.sleep(SETTLE_SECONDS)
        lb_before = await run.lb_stats(session)
        statements_before, connections_before = await run.database_counts(session)
        cpu_before, proxies_before = run.cpu(), run.proxies_cpu()
        if run.counted:
            await run.start_counting()
        labels = await run_jobs(session, db, run, MEASURED, specs, args)
        await asyncio.sleep(SETTLE_SECONDS)  # the last answers reach the balancer
        if run.counted:
            phase.instructions = await run.instructions()
        phase.cpu_seconds = run.cpu() - cpu_before
        phase.proxies_cpu_seconds = run.proxies_cpu() - proxies_before
        statements, connections = await run.database_counts(session)
        phase.statements = statements - statements_before
        phase.connections = connections - connections_before
        lb_after = await run.lb_stats(session)
        await read_results(db, phase, labels)
    finally:
        await db.close()
    return lb_before, lb_after


def combine(phases: list[Phase]) -> Phase:
    """One configuration's rounds added up (rates are then totals over totals)."""
    total = Phase(phases[0].instances, counted=phases[0].counted)
    for phase in phases:
        total.jobs += phase.jobs
        total.instructions += phase.instructions
        total.seconds += phase.seconds
        total.cpu_seconds += phase.cpu_seconds
        total.proxies_cpu_seconds += phase.proxies_cpu_seconds
        total.statements += phase.statements
        total.connections += phase.connections
        total.steps_by_instance = [
            a + b
            for a, b in itertools.zip_longest(
                total.steps_by_instance, phase.steps_by_instance, fillvalue=0
            )
        ]
    return total


def print_phase(phase: Phase, round_: int) -> None:
    split = " + ".join(str(n) for n in phase.steps_by_instance)
    work = (
        # Under valgrind the timings say nothing of the service: leave them out.
        f"{phase.instructions_per_step / 1e6:6.2f} M instructions/step (callgrind)"
        if phase.counted
        else f"{phase.jobs_per_minute:5.0f} jobs/minute, {phase.cpu_ms_per_step:5.2f} CPU ms/step"
    )
    print(
        f"  round {round_} N={phase.instances}: {work}, {phase.statements_per_step:5.2f} "
        f"statements/step; {phase.steps} steps ({split}), answers {phase.step_statuses}, "
        f"jobs {phase.statuses}",
        flush=True,
    )
    for label, error in list(phase.errors.items())[:5]:
        print(f"    {label} {error}")


def report(runs: dict[int, list[Phase]], counted: dict[int, list[Phase]]) -> bool:
    """Print the totals and ratios, then one PASS/FAIL line per check; True when all pass.

    `runs` are the timed rounds, `counted` the rounds under callgrind (empty lists when none
    ran). Per-step CPU is checked on instructions when they were counted, on seconds otherwise.
    """
    one, two = combine(runs[1]), combine(runs[2])
    every = [*runs[1], *runs[2], *counted[1], *counted[2]]

    def row(name: str, a: float, b: float, fmt: str) -> None:
        ratio = f"{b / a:5.2f}x" if a else "    -"  # no ratio to a count of zero
        print(f"  {name:<30} {a:{fmt}} {b:{fmt}}   {ratio}")

    print(f"\n{'':32}{'1 instance':>12} {'2 instances':>12}   2/1")
    row("jobs/minute", one.jobs_per_minute, two.jobs_per_minute, "12.0f")
    row("step deliveries", one.steps, two.steps, "12d")
    row("service CPU ms/step", one.cpu_ms_per_step, two.cpu_ms_per_step, "12.2f")
    row("statements/step", one.statements_per_step, two.statements_per_step, "12.2f")
    row("connections opened", one.connections, two.connections, "12d")
    row("(proxies CPU ms/step)", one.proxies_cpu_ms_per_step, two.proxies_cpu_ms_per_step, "12.2f")
    if counted[1]:
        one_counted, two_counted = combine(counted[1]), combine(counted[2])
        row(
            "M instructions/step",
            one_counted.instructions_per_step / 1e6,
            two_counted.instructions_per_step / 1e6,
            "12.2f",
        )
        row(
            "(CPU ms/step under callgrind)",
            one_counted.cpu_ms_per_step,
            two_counted.cpu_ms_per_step,
            "12.1f",
        )
        cpu_check = (
            f"CPU per step grows at most {MAX_GROWTH:.2f}x (instructions, counted by callgrind)",
            two_counted.instructions_per_step <= one_counted.instructions_per_step * MAX_GROWTH,
        )
    else:
        cpu_check = (
            f"CPU per step grows at most {MAX_GROWTH:.2f}x (seconds)",
            two.cpu_ms_per_step <= one.cpu_ms_per_step * MAX_GROWTH,
        )
    reference = runs[1][0].creators
    checks = {
        "every job completed": all(p.statuses == {"completed": p.jobs + p.warmup} for p in every),
        # The table's unique key refuses a second row for a creator; a creator counted twice
        # (two instances adding the same page) shows as a count that disagrees with the rows.
        "no job counts a creator twice (processed_results equals its rows)": all(
            p.miscounted_jobs == 0 for p in every
        ),
        "2 instances found exactly the creators 1 instance found, job by job": all(
            p.creators == reference for p in every
        )
        and any(reference.values()),
        "every next step left the outbox": all(p.unsent_outbox == 0 for p in every),
        cpu_check[0]: cpu_check[1],
        f"statements per step grow at most {MAX_GROWTH:.2f}x": (
            two.statements_per_step <= one.statements_per_step * MAX_GROWTH
        ),
        "both instances ran steps": all(
            len(p.steps_by_instance) == 2 and min(p.steps_by_instance) > 0
            for p in [*runs[2], *counted[2]]
        ),
        "one sweep schedule, however many instances": all(len(p.schedules) == 1 for p in every),
    }
    print()
    for name, passed in checks.items():
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100, help="jobs per phase (100)")
    parser.add_argument("--target-results", type=int, default=100, help="each job's target (100)")
    parser.add_argument("--concurrency", type=int, default=8, help="job submitters (8)")
    parser.add_argument(
        "--warmup", type=int, default=20, help="jobs run on each phase before measuring (20)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds of both configurations, 1-2 then 2-1 (2)"
    )
    parser.add_argument(
        "--counted-rounds",
        type=int,
        default=1,
        help="rounds of both configurations run under valgrind's callgrind, which counts the "
        "instances' instructions per step for the CPU check (1; 0: check CPU seconds instead)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds each batch of jobs (warm-up, measured) may take (600)",
    )
    parser.add_argument(
        "--postgres-url",
        default="postgresql://root@127.0.0.1:5432/postgres",
        help="a database to connect to for creating the phases' own (needs CREATEDB)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="copy the logs here on failure")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs: must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds: must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup: must be at least 0")
    if args.counted_rounds < 0:
        parser.error("--counted-rounds: must be at least 0")
    if args.counted_rounds and (missing := bench_instructions.missing_tools()):
        parser.error(
            f"--counted-rounds: {' and '.join(missing)} not found: install valgrind "
            "(Debian: apt-get install valgrind), or pass --counted-rounds 0 to check CPU "
            "seconds instead of instructions"
        )
    specs = job_set(args.jobs, args.target_results)
    # Warm-up jobs search for other inputs than the measured ones.
    warmup = [
        JobSpec(f"warm-up {s.label}", s.route, s.body)
        for s in job_set(args.jobs + args.warmup, args.target_results)[args.jobs :]
    ]
    print(
        f"{args.jobs} jobs ({', '.join(route for route, _ in KINDS)} in turn, "
        f"targetResults {args.target_results}) per phase after {args.warmup} warm-up jobs, "
        f"{os.cpu_count()} CPUs"
    )
    runs: dict[int, list[Phase]] = {1: [], 2: []}
    counted: dict[int, list[Phase]] = {1: [], 2: []}
    try:
        async with aiohttp.ClientSession() as session:
            for results, rounds, what in (
                (runs, args.rounds, "timed"),
                (counted, args.counted_rounds, "under callgrind, about 1 minute a round"),
            ):
                if rounds:
                    print(f"{rounds} round(s) {what}:", flush=True)
                for round_ in range(1, rounds + 1):
                    # 1, 2 then 2, 1: a load on the machine that rises or falls evenly
                    # meanwhile (other work on it) weighs on both configurations alike.
                    for instances in (1, 2) if round_ % 2 else (2, 1):
                        phase = await run_phase(
                            session, args, instances, specs, warmup, counted=results is counted
                        )
                        print_phase(phase, round_)
                        results[instances].append(phase)
    except (RuntimeError, ServiceError, OSError, asyncpg.PostgresError) as error:
        print(f"bench_scale: {error}", file=sys.stderr)
        return 2
    return 0 if report(runs, counted) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
