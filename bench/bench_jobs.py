"""Whole jobs, black-box: the service process's CPU per webhook delivery, SQLite next to
PostgreSQL (not a test: prints figures and ratios).

Starts the QStash emulator, the ScrapeCreators mock (synthetic mode) and one service process
per engine, each on a free loopback port, sets every step delay to 0 through the admin API,
then in alternating rounds runs a batch of jobs (every kind, new keywords and handles each
round) on one service, then on the other. A round ends when the emulator has made no delivery
to that service's webhook for a while; its cost is the service process's CPU over the round
(user + system, from /proc) divided by the webhook deliveries the emulator made to it (job
creation and the first publish included). PostgreSQL's own CPU (its backends serving the
bench's database) is shown beside it. Every job must end completed; the round is refused
otherwise.

PostgreSQL: a throwaway database on SCOUT_BENCH_POSTGRES_URL (or --postgres URL; default
postgresql://root@127.0.0.1:5432/test when it answers; --postgres '' for SQLite only).

--baseline DIR runs the service of another checkout (an older commit, say) beside this one's,
on each engine, in the same rounds, and prints each engine's ratio to it. --count-instructions
runs every service under valgrind's callgrind and reports instructions per delivery instead of
CPU seconds: the same work gives the same count however busy the machine is.

Run: python bench/bench_jobs.py [--jobs 4] [--rounds 3] [--baseline DIR] [--count-instructions]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import bench_instructions
from bench_db import backends_cpu, postgres_url_from, reachable_engines, sqlite_url
from bench_procs import Server, Servers, cpu_seconds, wait_ready
from bench_stack import (
    ADMIN,
    NO_DELAYS,
    emulator_argv,
    live_tiktok_handle,
    mock_argv,
    service_env,
)

from scout.api_client import ServiceClient
from service.testing import free_port, postgres_database

USER = "bench-user"
# No delivery for this long: the round's jobs are done (or stuck, which the check then says).
QUIET_SECONDS = 1.0
QUIET_SECONDS_COUNTED = 5.0  # under valgrind one step may take a second or more
ROUND_TIMEOUT = 300.0


def job_bodies(round_no: int, jobs: int) -> list[tuple[str, dict[str, object]]]:
    """`jobs` jobs of each kind, with words and handles of their own (the synthetic mock makes
    up any), so rounds do not reuse each other's profile cache."""
    bodies: list[tuple[str, dict[str, object]]] = []
    for i in range(jobs):
        tag = f"r{round_no}n{i}"
        bodies += [
            ("tiktok", {"keywords": [f"baking {tag}"], "targetResults": 100}),
            ("youtube", {"keywords": [f"sourdough {tag}"], "targetResults": 100}),
            ("tiktok-similar", {"username": live_tiktok_handle(f"baker.{tag}")}),
            ("instagram", {"username": f"clay.{tag}"}),
            ("youtube-similar", {"username": f"@bread{tag}"}),
        ]
    return bodies


@dataclass
class Contender:
    """One service process (this checkout's or the baseline's, on one engine) and what its
    rounds cost."""

    engine: str
    baseline: bool  # the --baseline checkout's service
    server: Server
    database: str
    postgres: str | None  # the server URL, to find its backends' CPU
    instructions_file: Path | None = None  # set when the service runs under callgrind
    service_ms: list[float] = field(default_factory=list)
    database_ms: list[float] = field(default_factory=list)
    instructions: list[float] = field(default_factory=list)  # per delivery, each round
    deliveries: int = 0
    jobs: int = 0
    api_calls: int = 0

    @property
    def name(self) -> str:
        return f"{self.engine} (baseline)" if self.baseline else self.engine

    @property
    def hook(self) -> str:
        return f"{self.server.url}/api/qstash/process-scraping"

    def client(self, session: aiohttp.ClientSession) -> ServiceClient:
        return ServiceClient(session, self.server.url, user=USER, admin=ADMIN)


async def _json(response: aiohttp.ClientResponse, expect: int) -> dict[str, object]:
    body: dict[str, object] = await response.json()
    if response.status != expect:
        raise RuntimeError(f"{response.method} {response.url} answered {response.status}: {body}")
    return body


class Bench:
    def __init__(
        self, session: aiohttp.ClientSession, qstash: Server, mock: Server, *, quiet: float
    ) -> None:
        self.session = session
        self.qstash = qstash
        self.mock = mock
        self.quiet = quiet

    async def api_calls(self) -> int:
        """The ScrapeCreators calls the mock has answered since it started."""
        async with self.session.get(f"{self.mock.url}/_mock/requests") as response:
            return len((await _json(response, 200))["requests"])  # type: ignore[arg-type]

    async def deliveries(self, hook: str) -> int:
        url = f"{self.qstash.url}/_emulator/deliveries"
        async with self.session.get(url, params={"url": hook}) as response:
            return len((await _json(response, 200))["deliveries"])  # type: ignore[arg-type]

    async def clear_deliveries(self) -> None:
        async with self.session.delete(f"{self.qstash.url}/_emulator/deliveries") as response:
            await _json(response, 200)

    async def create_jobs(self, contender: Contender, round_no: int, jobs: int) -> list[str]:
        client = contender.client(self.session)
        campaign = await client.campaign(f"bench {round_no}")
        return [
            f"{route} {await client.create_job(route, body, campaign=campaign)}"
            for route, body in job_bodies(round_no, jobs)
        ]

    async def wait_quiet(self, hook: str) -> None:
        deadline = time.monotonic() + ROUND_TIMEOUT
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = await self.deliveries(hook)
            if count != seen:
                seen, since = count, time.monotonic()
            elif time.monotonic() - since >= self.quiet:
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"deliveries to {hook} still arriving after {ROUND_TIMEOUT}s")

    async def check_completed(self, contender: Contender, jobs: list[str]) -> None:
        client = contender.client(self.session)
        for entry in jobs:
            route, job_id = entry.split()
            body = await client.status(route, job_id, limit=1)
            if body["status"] != "completed":
                raise RuntimeError(
                    f"{contender.name}: {route} job {job_id} ended {body['status']}: "
                    f"{body.get('error')}"
                )

    async def round(self, contender: Contender, round_no: int, jobs: int) -> None:
        await self.clear_deliveries()
        calls = await self.api_calls()
        database_before = await backends_cpu(contender.postgres, contender.database)
        if contender.instructions_file is not None:
            await bench_instructions.start_counting(contender.server.pid)
        before = cpu_seconds(contender.server.pid)
        created = await self.create_jobs(contender, round_no, jobs)
        await self.wait_quiet(contender.hook)
        used = cpu_seconds(contender.server.pid) - before
        counted = (
            await bench_instructions.counted(contender.server.pid, contender.instructions_file)
            if contender.instructions_file is not None
            else None
        )
        database_after = await backends_cpu(contender.postgres, contender.database)
        deliveries = await self.deliveries(contender.hook)
        await self.check_completed(contender, created)
        contender.service_ms.append(used / deliveries * 1000)
        if counted is not None:
            contender.instructions.append(counted / deliveries)
        if contender.postgres is not None:
            database = sum(t - database_before.get(pid, 0.0) for pid, t in database_after.items())
            contender.database_ms.append(database / deliveries * 1000)
        contender.deliveries += deliveries
        contender.jobs += len(created)
        contender.api_calls += await self.api_calls() - calls


async def start_service(
    servers: Servers,
    session: aiohttp.ClientSession,
    name: str,
    env: dict[str, str],
    port: int,
    *,
    checkout: Path | None,
    instructions_file: Path | None,
) -> Server:
    """The service of this checkout, or of `checkout` (its folder first on the import path);
    under callgrind when `instructions_file` is given."""
    env = {**os.environ, **env}
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH")]))
    serve = [sys.executable, "-m", "service", "--port", str(port)]
    argv = bench_instructions.under_callgrind(serve, instructions_file)
    server = servers.start(name, argv, port, env=env)
    ready = bench_instructions.ready_within(instructions_file)
    await wait_ready(session, server, "/healthz", {}, ready_within=ready)
    await ServiceClient(session, server.url, admin=ADMIN).configure(NO_DELAYS)
    return server


async def run(args: argparse.Namespace) -> list[Contender]:
    postgres = postgres_url_from(args.postgres)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        servers = Servers(folder)
        # The databases outlive the processes: every service has stopped before they are dropped.
        async with contextlib.AsyncExitStack() as databases:
            try:
                async with aiohttp.ClientSession() as session:
                    return await run_rounds(args, session, servers, databases, folder, postgres)
            finally:
                servers.stop()


async def run_rounds(
    args: argparse.Namespace,
    session: aiohttp.ClientSession,
    servers: Servers,
    databases: contextlib.AsyncExitStack,
    folder: Path,
    postgres: str | None,
) -> list[Contender]:
    qstash_port, mock_port = free_port(), free_port()
    qstash = servers.start("qstash", emulator_argv(qstash_port), qstash_port)
    mock = servers.start("mock", mock_argv(mock_port), mock_port)
    await wait_ready(session, qstash, "/_emulator/clock", {})
    await wait_ready(session, mock, "/_mock/status", {})
    checkouts: list[Path | None] = [None, args.baseline] if args.baseline else [None]
    contenders = []
    # Each service gets a database of its own: a baseline migrates its own schema.
    engines = await reachable_engines(postgres)
    for index, (engine, checkout) in enumerate(itertools.product(engines, checkouts)):
        if engine == "PostgreSQL":
            assert postgres is not None
            database = await databases.enter_async_context(postgres_database(postgres))
        else:
            database = sqlite_url(folder, f"service{index}.db")
        port = free_port()
        env = service_env(
            qstash_url=qstash.url,
            mock_url=mock.url,
            public_url=f"http://127.0.0.1:{port}",
            database_url=database,
        )
        counted = folder / f"service{index}.callgrind" if args.count_instructions else None
        baseline = checkout is not None
        server = await start_service(
            servers,
            session,
            f"{engine}{'-baseline' if baseline else ''}",
            {**env, "SWEEP_SCHEDULE": "false"},
            port,
            checkout=checkout,
            instructions_file=counted,
        )
        pg = postgres if engine == "PostgreSQL" else None
        contenders.append(Contender(engine, baseline, server, database, pg, counted))
    quiet = QUIET_SECONDS_COUNTED if args.count_instructions else QUIET_SECONDS
    bench = Bench(session, qstash, mock, quiet=quiet)
    # A first small round each: imports, pools and caches warm before counting.
    for contender in contenders:
        await bench.round(contender, 0, 1)
        contender.service_ms.clear()
        contender.database_ms.clear()
        contender.instructions.clear()
        contender.deliveries = contender.jobs = contender.api_calls = 0
    for round_no in range(1, args.rounds + 1):
        for contender in contenders:
            await bench.round(contender, round_no, args.jobs)
    return contenders


def _ratio_rows(contenders: list[Contender], figure: Callable[[Contender], float]) -> list[str]:
    """Each contender's figure over its engine's baseline ("" for the baselines themselves)."""
    baselines = {c.engine: c for c in contenders if c.baseline}
    ratios = []
    for c in contenders:
        base = None if c.baseline else baselines.get(c.engine)
        ratios.append(f"{figure(c) / figure(base):.2f}x" if base is not None else "")
    return ratios


def report(contenders: list[Contender], args: argparse.Namespace) -> None:
    counted = args.count_instructions
    print(
        f"Whole jobs: {args.jobs} of each of the 5 kinds per round, step delays 0, "
        f"median of {args.rounds} rounds, side by side"
        + (
            ", every service under callgrind (instructions; its timings are valgrind's)"
            if counted
            else ""
        )
    )

    def row(label: str, values: list[str]) -> None:
        print(f"   {label:<42}" + "".join(f"{v:>22}" for v in values))

    def service_ms(c: Contender) -> float:
        return statistics.median(c.service_ms)

    def instructions(c: Contender) -> float:
        return statistics.median(c.instructions) / 1e6

    row("", [c.name for c in contenders])
    if counted:
        row("service M instructions per delivery", [f"{instructions(c):.2f}" for c in contenders])
        if args.baseline is not None:
            row("  over the baseline's", _ratio_rows(contenders, instructions))
    else:
        row("service CPU per delivery (ms)", [f"{service_ms(c):.2f}" for c in contenders])
        if args.baseline is not None:
            row("  over the baseline's", _ratio_rows(contenders, service_ms))
        row(
            "database server CPU per delivery (ms)",
            [
                f"{statistics.median(c.database_ms):.2f}" if c.database_ms else "-"
                for c in contenders
            ],
        )
    row("webhook deliveries per job", [f"{c.deliveries / c.jobs:.1f}" for c in contenders])
    row(
        "ScrapeCreators calls per delivery",
        [f"{c.api_calls / c.deliveries:.1f}" for c in contenders],
    )
    for c in contenders:
        if counted:
            rounds = ", ".join(f"{v / 1e6:.2f}" for v in c.instructions)
            print(f"   {c.name} rounds (M instructions per delivery): {rounds}")
        else:
            rounds = ", ".join(f"{v:.2f}" for v in c.service_ms)
            print(f"   {c.name} rounds (ms per delivery): {rounds}")


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4, help="jobs of each kind per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="PostgreSQL server URL ('' for SQLite only)")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="another checkout (e.g. `git worktree add DIR <commit>`) whose service runs beside "
        "this one's, on each engine, in the same rounds",
    )
    parser.add_argument(
        "--count-instructions",
        action="store_true",
        help="run the services under valgrind's callgrind and count instructions per delivery",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.rounds < 1:
        parser.error("--jobs and --rounds: must be at least 1")
    if args.baseline is not None and not (args.baseline / "service" / "__main__.py").is_file():
        parser.error(f"--baseline: {args.baseline} is not a checkout (no service/__main__.py)")
    if args.count_instructions and (missing := bench_instructions.missing_tools()):
        parser.error(
            f"--count-instructions: {' and '.join(missing)} not found: install valgrind "
            "(Debian: apt-get install valgrind)"
        )
    report(await run(args), args)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
