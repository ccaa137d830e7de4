"""Benchmark of the service's webhook step (not a test: prints figures and ratios).

1. Latency: one TikTok keyword page of 30 creators, the mock adding 200 ms to every profile
   call. Our webhook step on the default config (profile calls in parallel up to
   processing.profile_concurrency per job, within processing.scrapecreators_concurrency for
   the process) next to the original's loop (one profile call at a time, 100 ms apart), same
   mock, same run. The API side is the same for both (the mock serves any number of calls at
   once); the difference is how many calls each client keeps in flight.
2. CPU: time.process_time over N webhook steps (signature check, lease, commit, publish through
   the SDK) next to N requests to a bare aiohttp handler, both driven by the same client;
   then each part of the step on its own.

Run: python bench/bench_service.py [--creators 30] [--latency 0.2] [--steps 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import yaml
from aiohttp import web
from qstash import AsyncQStash, Receiver

from emulator.qstash.signing import sign
from emulator.scrapecreators.testing import running_mock
from service.app import create_app
from service.clock import SystemClock
from service.config.defaults import PROCESSING
from service.config.settings import load_settings
from service.jobs.creator import Creator
from service.jobs.enums import JobKind, Platform
from service.jobs.lifecycle import STEPS
from service.jobs.platforms.base import StepContext, StepResult, keyed
from service.keys import PARTS
from service.qstash.publisher import close_qstash
from service.store import NewJob, StepChanges, Store
from service.testing import loopback_socket

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
async def service(folder: Path, sc_url: str) -> AsyncIterator[tuple[str, web.Application]]:
    """The service app with a stub QStash (a bare publish handler) and a SQLite store."""
    stub = web.Application()
    stub.router.add_post("/{tail:.*}", _publish_stub)
    stub_sock, sock = loopback_socket(), loopback_socket()
    stub_runner = await _serve(stub, stub_sock)
    stub_url = f"http://127.0.0.1:{stub_sock.getsockname()[1]}"
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = load_settings(
        {
            "QSTASH_URL": stub_url,
            "QSTASH_TOKEN": "bench",
            "QSTASH_CURRENT_SIGNING_KEY": CURRENT,
            "QSTASH_NEXT_SIGNING_KEY": NEXT,
            "SCRAPECREATORS_API_KEY": KEY,
            "SCRAPECREATORS_API_URL": sc_url,
            "PUBLIC_BASE_URL": url,
            "AUTH_MODE": "dev",
            "SWEEP_SCHEDULE": "false",
        }
    )
    clock = SystemClock()
    store = Store.open(f"sqlite:///{folder / 'bench.db'}", clock)
    await store.upgrade()
    qstash = AsyncQStash("bench", base_url=stub_url, retry=False)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=100)) as http:
        app = create_app(settings, clock=clock, store=store, http=http, qstash=qstash)
        runner = await _serve(app, sock)
        try:
            yield url, app
        finally:
            await runner.cleanup()
            await stub_runner.cleanup()
            await close_qstash(qstash)
            await store.close()


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


# --- 2. CPU per webhook step --------------------------------------------------------------------


async def _offline_step(context: StepContext) -> StepResult:
    # The step's ScrapeCreators work replaced by a fixed creator: what is left is ours.
    creator = Creator(platform=Platform.INSTAGRAM, handle=f"c{context.job.id.hex[:8]}")
    return StepResult(done=False, progress=50.0, creators=[keyed(creator.handle, creator)])


async def _bare(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"ok": True})


async def cpu(steps: int) -> None:
    STEPS[JobKind.INSTAGRAM_SIMILAR] = _offline_step
    bare_app = web.Application()
    bare_app.router.add_post("/bare", _bare)
    bare_sock = loopback_socket()
    bare_runner = await _serve(bare_app, bare_sock)
    bare_url = f"http://127.0.0.1:{bare_sock.getsockname()[1]}/bare"
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            service(Path(tmp), "http://127.0.0.1:9") as (url, app),
            aiohttp.ClientSession() as client,
        ):
            hook = f"{url}/api/qstash/process-scraping"
            requests = [
                signed(hook, await new_job(app, JobKind.INSTAGRAM_SIMILAR)) for _ in range(steps)
            ]
            started = time.process_time()
            for body, headers in requests:
                async with client.post(hook, data=body, headers=headers) as response:
                    assert response.status == 200, await response.text()
                    assert (await response.json())["outcome"] == "committed"
            webhook = (time.process_time() - started) / steps
            started = time.process_time()
            for body, headers in requests:
                async with client.post(bare_url, data=body, headers=headers) as response:
                    await response.read()
            bare = (time.process_time() - started) / steps
    await bare_runner.cleanup()
    print(f"2. CPU per request over {steps} requests (time.process_time, client included)")
    print(f"   webhook step (verify, lease, commit, publish via SDK): {webhook * 1000:6.2f} ms")
    print(f"   bare aiohttp handler:                                   {bare * 1000:6.2f} ms")
    print(f"   ratio: {webhook / bare:.1f}x; the publish stub itself is one bare handler")


async def _per_call(n: int, call: Callable[[int], Awaitable[object]]) -> float:
    started = time.process_time()
    for i in range(n):
        await call(i)
    return (time.process_time() - started) / n * 1000


async def breakdown(steps: int) -> None:
    """The webhook step's parts, each on its own, to show where its CPU goes."""
    receiver = Receiver(current_signing_key=CURRENT, next_signing_key=NEXT)
    with tempfile.TemporaryDirectory() as tmp:
        async with service(Path(tmp), "http://127.0.0.1:9") as (url, app):
            hook = f"{url}/api/qstash/process-scraping"
            ids = [await new_job(app, JobKind.INSTAGRAM_SIMILAR) for _ in range(steps)]
            tokens = [signed(hook, job_id) for job_id in ids]
            store, publisher = app[PARTS].store, app[PARTS].publisher
            lease = timedelta(minutes=5)
            creator = Creator(platform=Platform.INSTAGRAM, handle="c")

            async def verify(i: int) -> None:
                body, headers = tokens[i]
                receiver.verify(
                    signature=headers["Upstash-Signature"], body=body.decode(), url=hook
                )

            parts = {
                "signature check (qstash.Receiver)": verify,
                "claim the step (1 transaction)": lambda i: store.claim_step(
                    ids[i], 0, "bench", lease=lease
                ),
                "commit the step (1 transaction)": lambda i: store.commit_step(
                    ids[i], 0, creators=[keyed("c", creator)], updates=StepChanges(add_runs=1)
                ),
                "publish the next step (SDK -> stub)": lambda i: publisher.publish_step(ids[i], 1),
            }
            print(f"3. the step's parts, CPU per call over {steps} calls")
            for name, call in parts.items():
                print(f"   {name:<38} {await _per_call(steps, call):6.2f} ms")


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    await latency(args.creators, args.latency)
    await cpu(args.steps)
    await breakdown(args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
