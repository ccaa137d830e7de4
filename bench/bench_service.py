"""Benchmark of the service's webhook step (not a test: prints figures and ratios).

1. Latency: one TikTok keyword page of 30 creators, the mock adding 200 ms to every profile
   call. Our webhook step on the default config (profile calls in parallel up to
   processing.profile_concurrency per job, within processing.scrapecreators_concurrency for
   the process) next to the original's loop (one profile call at a time, 100 ms apart), same
   mock, same run. The API side is the same for both (the mock serves any number of calls at
   once); the difference is how many calls each client keeps in flight.
2. CPU: time.process_time over N webhook steps (signature check, lease, commit, publish through
   the SDK) on SQLite and on PostgreSQL, next to N requests to a bare aiohttp handler, all driven
   by the same client in alternating rounds; with the statements and transactions each step
   sends and the PostgreSQL server's own CPU. Then each part of the step on its own.

PostgreSQL: a throwaway database on SCOUT_BENCH_POSTGRES_URL (or --postgres URL; default
postgresql://root@127.0.0.1:5432/test when it answers; --postgres '' for SQLite only).

Run: python bench/bench_service.py [--creators 30] [--latency 0.2] [--steps 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import yaml
from aiohttp import web
from bench_db import (
    backends_cpu,
    postgres_url_from,
    reachable_engines,
    sqlite_url,
)
from qstash import Receiver
from sqlalchemy import event
from sqlalchemy.engine import Connection

from emulator.qstash.signing import sign
from emulator.scrapecreators.testing import running_mock
from service.clock import SystemClock
from service.config.defaults import PROCESSING
from service.jobs.creator import Creator
from service.jobs.enums import JobKind, Platform
from service.jobs.lifecycle import STEPS
from service.jobs.platforms.base import StepContext, StepResult, keyed
from service.keys import PARTS
from service.store import NewJob, StepChanges, Store
from service.store.outbox import OutboxEntry
from service.testing import loopback_socket, postgres_database, running_service

KEY = "dev-key"
CURRENT = "sig_" + "c" * 28
NEXT = "sig_" + "n" * 28
QUERY = "bench baking"


# --- a cassette of one 30-creator page, recorded twice (one copy per contender) -------------


def _interaction(uri: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": {"method": "GET", "uri": uri, "body": None, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json; charset=utf-8"]},
            "body": {"string": json.dumps(body)},
        },
    }


def write_cassette(folder: Path, creators: int) -> Path:
    base = "https://api.scrapecreators.com/v1/tiktok"
    handles = [f"bench.creator.{i:02d}" for i in range(creators)]
    page = {
        "cursor": 30,
        "has_more": 0,
        "search_item_list": [
            {
                "aweme_info": {
                    "aweme_id": str(i),
                    "desc": "bake",
                    "author": {"uid": str(i), "unique_id": h},
                }
            }
            for i, h in enumerate(handles)
        ],
    }
    interactions = []
    for _ in range(2):
        interactions.append(
            _interaction(f"{base}/search/keyword?query=bench+baking&cursor=0", page)
        )
        for h in handles:
            profile = {"user": {"uniqueId": h, "signature": f"mail {h}@example.com"}, "stats": {}}
            interactions.append(_interaction(f"{base}/profile?handle={h}", profile))
    path = folder / "bench_page.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}))
    return path


# --- the service on a loopback port ----------------------------------------------------------


async def _serve(app: web.Application, sock: socket.socket) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner


async def _publish_stub(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"messageId": f"msg_{uuid.uuid4().hex}"})


@asynccontextmanager
async def service(
    folder: Path, sc_url: str, database_url: str | None = None
) -> AsyncIterator[tuple[str, web.Application]]:
    """The service as `scout serve` wires it, with a stub QStash (a bare publish handler) and
    its own store; SQLite unless told."""
    stub = web.Application()
    stub.router.add_post("/{tail:.*}", _publish_stub)
    stub_sock = loopback_socket()
    stub_runner = await _serve(stub, stub_sock)
    env = {
        "QSTASH_URL": f"http://127.0.0.1:{stub_sock.getsockname()[1]}",
        "QSTASH_TOKEN": "bench",
        "QSTASH_CURRENT_SIGNING_KEY": CURRENT,
        "QSTASH_NEXT_SIGNING_KEY": NEXT,
        "SCRAPECREATORS_API_KEY": KEY,
        "SCRAPECREATORS_API_URL": sc_url,
        "AUTH_MODE": "dev",
        "SWEEP_SCHEDULE": "false",
        # Migrated at start and closed with the app, as `scout serve` does.
        "DATABASE_URL": database_url or sqlite_url(folder),
    }
    try:
        async with running_service(env, qstash_retry=False, access_log=None) as running:
            yield running.url, running.app
    finally:
        await stub_runner.cleanup()


async def new_job(app: web.Application, kind: JobKind) -> uuid.UUID:
    job, _ = await app[PARTS].store.create_job(
        NewJob(
            user_id="bench",
            kind=kind,
            timeout_at=SystemClock().now() + timedelta(hours=1),
            target_results=100,
            keywords=[QUERY] if kind is JobKind.TIKTOK_KEYWORD else None,
            target_username=None if kind is JobKind.TIKTOK_KEYWORD else "bench",
        )
    )
    return job.id


def signed(url: str, job_id: uuid.UUID) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"jobId": str(job_id), "step": 0}).encode()
    headers = {"Upstash-Signature": sign(key=CURRENT, url=url, body=body)}
    return body, {**headers, "Content-Type": "application/json"}


# --- 1. latency of one page ------------------------------------------------------------------


async def original_loop(sc_url: str) -> int:
    """The original's flow: one search, then one profile call at a time, 100 ms apart."""
    found = 0
    async with httpx.AsyncClient(base_url=sc_url, headers={"x-api-key": KEY}) as http:
        page = (
            await http.get("/v1/tiktok/search/keyword", params={"query": QUERY, "cursor": "0"})
        ).json()
        for item in page["search_item_list"]:
            handle = item["aweme_info"]["author"]["unique_id"]
            profile = (await http.get("/v1/tiktok/profile", params={"handle": handle})).json()
            found += bool(profile["user"]["signature"])
            await asyncio.sleep(0.1)
    return found


async def latency(creators: int, delay: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cassette = write_cassette(folder, creators)
        async with running_mock([cassette]) as mock:
            await mock.fault("/v1/tiktok/profile", "latency", count=2 * creators, delay=delay)
            async with service(folder, mock.url) as (url, app), aiohttp.ClientSession() as client:
                config = app[PARTS].config
                concurrency = await config.get(PROCESSING.profile_concurrency)
                ceiling = await config.get(PROCESSING.scrapecreators_concurrency)
                job_id = await new_job(app, JobKind.TIKTOK_KEYWORD)
                body, headers = signed(f"{url}/api/qstash/process-scraping", job_id)
                started = time.perf_counter()
                async with client.post(
                    f"{url}/api/qstash/process-scraping", data=body, headers=headers
                ) as r:
                    answer = await r.json()
                ours = time.perf_counter() - started
                started = time.perf_counter()
                theirs_found = await original_loop(mock.url)
                theirs = time.perf_counter() - started
    print(
        f"1. one TikTok keyword page of {creators} creators, "
        f"+{delay * 1000:.0f} ms per profile call"
    )
    print(
        f"   webhook step (default config: {concurrency} per job, {ceiling} per process): "
        f"{ours:6.2f} s  ({answer['creators']} creators)"
    )
    print(
        f"   original sequential loop (100 ms spacing):                 {theirs:6.2f} s  "
        f"({theirs_found} bios)"
    )
    print(f"   speed-up: {theirs / ours:.1f}x  (target >= 10x)")


# --- 2. CPU per webhook step, on each engine ------------------------------------------------


async def _offline_step(context: StepContext) -> StepResult:
    # The step's ScrapeCreators work replaced by a fixed creator: what is left is ours.
    creator = Creator(platform=Platform.INSTAGRAM, handle=f"c{context.job.id.hex[:8]}")
    return StepResult(done=False, progress=50.0, creators=[keyed(creator.handle, creator)])


async def _bare(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"ok": True})


@dataclass
class Statements:
    """What the store sent to its database: statements (cursor executes) and transactions."""

    statements: int = 0
    transactions: int = 0

    def watch(self, store: Store) -> None:
        def executed(*_: object) -> None:
            self.statements += 1

        def began(conn: Connection) -> None:
            # Not the connections that send each statement on its own (no BEGIN, no COMMIT).
            options = conn.get_execution_options()
            single = options.get("scout_single_statement")
            if not single and options.get("isolation_level") != "AUTOCOMMIT":
                self.transactions += 1

        for engine in store.sync_engines:
            event.listen(engine, "before_cursor_execute", executed)
            event.listen(engine, "begin", began)


@dataclass
class Contender:
    """One engine's service, the deliveries it is to get, and what they cost."""

    engine: str
    url: str
    app: web.Application
    database: str
    postgres: str | None  # the server URL, to find its backends' CPU
    requests: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    counted: Statements = field(default_factory=Statements)

    @property
    def median(self) -> float:
        return statistics.median(self.client_ms)

    @property
    def done(self) -> int:
        return len(self.requests)


async def _round(
    client: aiohttp.ClientSession, contender: Contender, batch: list[tuple[bytes, dict[str, str]]]
) -> None:
    hook = f"{contender.url}/api/qstash/process-scraping"
    before = await backends_cpu(contender.postgres, contender.database)
    started = time.process_time()
    for body, headers in batch:
        async with client.post(hook, data=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["outcome"] == "committed"
    contender.client_ms.append((time.process_time() - started) / len(batch) * 1000)
    if contender.postgres is not None:
        after = await backends_cpu(contender.postgres, contender.database)
        used = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
        contender.server_ms.append(used / len(batch) * 1000)


async def cpu(steps: int, rounds: int, postgres: str | None) -> None:
    """Rounds alternate between the engines and the bare handler; medians are reported."""
    STEPS[JobKind.INSTAGRAM_SIMILAR] = _offline_step
    bare_app = web.Application()
    bare_app.router.add_post("/bare", _bare)
    bare_sock = loopback_socket()
    bare_runner = await _serve(bare_app, bare_sock)
    bare_url = f"http://127.0.0.1:{bare_sock.getsockname()[1]}/bare"
    bare_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            contenders = []
            for name, database in await _databases(stack, Path(tmp), postgres):
                url, app = await stack.enter_async_context(
                    service(Path(tmp), "http://127.0.0.1:9", database)
                )
                server = postgres if name == "PostgreSQL" else None
                contender = Contender(name, url, app, database, server)
                hook = f"{url}/api/qstash/process-scraping"
                for _ in range(steps * rounds + 1):
                    job_id = await new_job(app, JobKind.INSTAGRAM_SIMILAR)
                    contender.requests.append(signed(hook, job_id))
                contenders.append(contender)
            client = await stack.enter_async_context(aiohttp.ClientSession())
            # One step each first: connections, caches and pools warm before anything counts.
            for contender in contenders:
                await _round(client, contender, [contender.requests.pop()])
                contender.client_ms.clear()
                contender.server_ms.clear()
                contender.counted.watch(contender.app[PARTS].store)
            for r in range(rounds):
                for contender in contenders:
                    await _round(client, contender, contender.requests[r * steps : (r + 1) * steps])
                started = time.process_time()
                for body, headers in contenders[0].requests[r * steps : (r + 1) * steps]:
                    async with client.post(bare_url, data=body, headers=headers) as response:
                        await response.read()
                bare_ms.append((time.process_time() - started) / steps * 1000)
    await bare_runner.cleanup()
    _cpu_table(contenders, statistics.median(bare_ms), steps, rounds)


def _cpu_table(contenders: list[Contender], bare: float, steps: int, rounds: int) -> None:
    print(
        f"2. CPU per webhook step (verify, claim, commit, publish via SDK), median of {rounds} "
        f"rounds of {steps}, engines side by side"
    )

    def row(label: str, values: list[str]) -> None:
        print(f"   {label:<40}" + "".join(f"{v:>14}" for v in values))

    row("", [c.engine for c in contenders])
    row("service process CPU (ms per step)", [f"{c.median:.2f}" for c in contenders])
    row(
        "database server CPU (ms per step)",
        [f"{statistics.median(c.server_ms):.2f}" if c.server_ms else "-" for c in contenders],
    )
    row("statements per step", [f"{c.counted.statements / c.done:.1f}" for c in contenders])
    row("transactions per step", [f"{c.counted.transactions / c.done:.1f}" for c in contenders])
    row("bare aiohttp handler (ms per request)", [f"{bare:.2f}" for _ in contenders])
    row("step / bare handler", [f"{c.median / bare:.1f}x" for c in contenders])
    for c in contenders:
        print(f"   {c.engine} rounds (ms per step): " + ", ".join(f"{v:.2f}" for v in c.client_ms))
    print("   (the client's CPU is in both; the QStash stub answers each publish in-process)")


async def _databases(
    stack: contextlib.AsyncExitStack, folder: Path, postgres: str | None
) -> list[tuple[str, str]]:
    """SQLite always; PostgreSQL when a server answers (a throwaway database on it)."""
    engines = []
    for engine in await reachable_engines(postgres):
        if engine == "PostgreSQL":
            assert postgres is not None
            url = await stack.enter_async_context(postgres_database(postgres))
        else:
            url = sqlite_url(folder)
        engines.append((engine, url))
    return engines


async def _per_call(n: int, call: Callable[[int], Awaitable[object]]) -> float:
    started = time.process_time()
    for i in range(n):
        await call(i)
    return (time.process_time() - started) / n * 1000


async def _parts(url: str, app: web.Application, steps: int) -> dict[str, float]:
    """CPU per call of each part of the step, on this app's store."""
    receiver = Receiver(current_signing_key=CURRENT, next_signing_key=NEXT)
    hook = f"{url}/api/qstash/process-scraping"
    ids = [await new_job(app, JobKind.INSTAGRAM_SIMILAR) for _ in range(steps)]
    tokens = [signed(hook, job_id) for job_id in ids]
    runs = [uuid.uuid4().hex for _ in ids]
    store, publisher = app[PARTS].store, app[PARTS].publisher
    creators = [keyed("c", Creator(platform=Platform.INSTAGRAM, handle="c"))]
    now = SystemClock().now()
    entries = [OutboxEntry(f"bench-{job_id}", job_id, 1, 0, now) for job_id in ids]

    async def verify(i: int) -> None:
        body, headers = tokens[i]
        receiver.verify(signature=headers["Upstash-Signature"], body=body.decode(), url=hook)

    async def claim(i: int) -> None:
        await store.claim_step(ids[i], 0, runs[i], lease=timedelta(minutes=5))

    async def commit(i: int) -> None:
        changes = StepChanges(add_runs=1)
        await store.commit_step(
            ids[i], 0, creators=creators, updates=changes, token=runs[i], next_step=entries[i]
        )

    async def publish(i: int) -> None:
        await publisher.publish(ids[i], 1)

    async def mark_sent(i: int) -> None:
        await store.mark_sent(entries[i], "msg")

    parts: dict[str, Callable[[int], Awaitable[None]]] = {
        "signature check (qstash.Receiver)": verify,
        "claim the step": claim,
        "commit the step (+ creator, outbox)": commit,
        "publish the next step (SDK -> stub)": publish,
        "mark it sent, note it on the job": mark_sent,
    }
    return {part: await _per_call(steps, call) for part, call in parts.items()}


async def breakdown(steps: int, postgres: str | None) -> None:
    """The webhook step's parts, each on its own, to show where its CPU goes."""
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            for name, database in await _databases(stack, Path(tmp), postgres):
                url, app = await stack.enter_async_context(
                    service(Path(tmp), "http://127.0.0.1:9", database)
                )
                figures[name] = await _parts(url, app, steps)
    names = list(figures)
    print(f"3. the step's parts, CPU per call over {steps} calls (ms)")
    print(f"   {'':<40}" + "".join(f"{n:>14}" for n in names))
    for part in figures[names[0]]:
        print(f"   {part:<40}" + "".join(f"{figures[n][part]:>14.2f}" for n in names))


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--steps", type=int, default=200, help="steps per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="PostgreSQL server URL ('' for SQLite only)")
    parser.add_argument(
        "--only", choices=["latency", "cpu", "parts"], action="append", help="run only these"
    )
    args = parser.parse_args(argv)
    postgres = postgres_url_from(args.postgres)
    only = set(args.only or ["latency", "cpu", "parts"])
    if "latency" in only:
        await latency(args.creators, args.latency)
    if "cpu" in only:
        await cpu(args.steps, args.rounds, postgres)
    if "parts" in only:
        await breakdown(args.steps, postgres)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
