"""`scout demo`: run one job through the public API with a live progress bar, then show creators."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

import aiohttp
import httpx
from httpx_sse import aconnect_sse
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from scout.api_client import ACTIVE, JsonDict, ServiceClient, ServiceError

KEYWORD_ROUTES = ("tiktok", "youtube")
SIMILAR_ROUTES = ("tiktok-similar", "instagram", "youtube-similar")
DEADLINE_SECONDS = 300.0  # then the demo stops watching; the job itself runs on
# The service sends a heartbeat every 15 s: a minute of silence means the connection is dead.
STREAM_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
RECONNECTS = 5  # dropped connections in a row before the demo gives up on the service
RECONNECT_SECONDS = 1.0
SHOWN = 10
INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C (128 + SIGINT)


@dataclass
class Started:
    """The job a demo run has started, once it has one (for the Ctrl-C handling)."""

    job_id: str | None = None


@dataclass(frozen=True)
class DemoJob:
    platform: str  # the /api/scraping/<platform> route
    keywords: tuple[str, ...] = ("home baking",)
    username: str = "sundaysourdough"
    target_results: int = 30

    def body(self) -> JsonDict:
        if self.platform in KEYWORD_ROUTES:
            return {"keywords": list(self.keywords), "targetResults": self.target_results}
        return {"username": self.username}

    def describe(self) -> str:
        what = ", ".join(self.keywords) if self.platform in KEYWORD_ROUTES else self.username
        return f"{self.platform} search for {what!r}"


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.fields[status]:<10}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("step {task.fields[step]} · {task.fields[found]} creators"),
        TimeElapsedColumn(),
        console=console,
    )


def creators_table(results: list[JsonDict], total: int) -> Table:
    table = Table(title=f"{total} creators found" + (f" (first {SHOWN})" if total > SHOWN else ""))
    for column in ("handle", "name", "followers", "emails"):
        table.add_column(column, overflow="fold")
    for creator in results[:SHOWN]:
        followers = creator.get("followers")
        table.add_row(
            str(creator.get("handle") or "—"),
            str(creator.get("name") or ""),
            "" if followers is None else f"{followers:,}",
            ", ".join(creator.get("emails") or []),
        )
    return table


async def follow_job(
    http: httpx.AsyncClient,
    service_url: str,
    job_id: str,
    *,
    user: str,
    update: Callable[[JsonDict], None],
) -> JsonDict | None:
    """Follow the job's event stream until its `end` event (returned); `update` sees each
    event's data. A dropped connection resumes after the last event seen (Last-Event-ID)."""
    url = f"{service_url.rstrip('/')}/api/jobs/{job_id}/events"
    last_id: str | None = None
    state: JsonDict | None = None
    drops = 0
    while True:
        headers = {"Authorization": f"Bearer dev:{user}"}
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        try:
            async with aconnect_sse(http, "GET", url, headers=headers) as source:
                if source.response.status_code != 200:
                    body = (await source.response.aread()).decode(errors="replace")
                    raise ServiceError(
                        f"GET {url} answered {source.response.status_code}: {body}",
                        source.response.status_code,
                    )
                async for event in source.aiter_sse():
                    drops = 0
                    last_id = event.id or last_id
                    state = json.loads(event.data)
                    update(state)
                    if event.event == "end":
                        return state
        except httpx.TransportError:
            drops += 1
            if drops > RECONNECTS:
                raise
        else:
            drops += 1  # the stream closed before the end: the service stopped or restarts
            if drops > RECONNECTS:
                return state
        await asyncio.sleep(RECONNECT_SECONDS)


async def run_demo(
    service_url: str,
    job: DemoJob,
    *,
    user: str = "demo",
    console: Console,
    started: Started | None = None,
) -> JsonDict:
    """Create a campaign and a job, follow its event stream until it ends; returns the final
    status (with the first page of creators)."""
    async with aiohttp.ClientSession() as http:
        client = ServiceClient(http, service_url, user=user, admin=user)
        campaign = await client.campaign("scout demo")
        job_id = await client.create_job(job.platform, job.body(), campaign=campaign)
        if started is not None:
            started.job_id = job_id
        console.print(
            f"demo: {job.describe()} → job {job_id} (user {user!r})", markup=False, soft_wrap=True
        )
        with _progress(console) as progress:
            bar = progress.add_task("job", total=100, status="pending", step=0, found=0)

            def update(state: JsonDict) -> None:
                progress.update(
                    bar,
                    completed=state["progress"],
                    status=state["status"],
                    step=state["processedRuns"],
                    found=state["processedResults"],
                )

            async with httpx.AsyncClient(timeout=STREAM_TIMEOUT) as stream_http:
                try:
                    async with asyncio.timeout(DEADLINE_SECONDS):
                        await follow_job(stream_http, service_url, job_id, user=user, update=update)
                except TimeoutError:
                    pass
        # One read for the creators to show (and the state if the stream ended early).
        status = await client.status(job.platform, job_id, limit=SHOWN)
    if status["status"] in ACTIVE:
        console.print(f"demo: job {job_id} still {status['status']} after {DEADLINE_SECONDS:g}s")
    elif status["status"] == "completed":
        console.print(creators_table(status["results"], status["totalResults"]))
    else:
        ended = f"demo: job {job_id} ended {status['status']}: {status['error']}"
        console.print(ended, markup=False)
    return status


async def _job_state(service_url: str, user: str, platform: str, job_id: str) -> str:
    async with aiohttp.ClientSession() as http:
        client = ServiceClient(http, service_url, user=user, admin=user)
        return str((await client.status(platform, job_id, limit=1))["status"])


async def _cancel(service_url: str, user: str, job_id: str) -> tuple[int, JsonDict]:
    async with aiohttp.ClientSession() as http:
        return await ServiceClient(http, service_url, user=user, admin=user).cancel(job_id)


def offer_cancel(
    service_url: str,
    user: str,
    platform: str,
    job_id: str,
    *,
    console: Console,
    stdin: TextIO,
    ask: Callable[[str], str] = input,
) -> int:
    """After Ctrl-C: offer to cancel the job the demo started, if it is still active.

    Asks only on a terminal (a script piping into the demo gets no question it cannot
    answer); the job keeps running unless the answer is yes. Always INTERRUPTED.
    """

    def say(text: str) -> None:
        console.print(text, markup=False, soft_wrap=True)

    try:
        state = asyncio.run(_job_state(service_url, user, platform, job_id))
        if state not in ACTIVE:
            say(f"demo: interrupted; job {job_id} already {state}")
            return INTERRUPTED
        if not stdin.isatty():
            say(f"demo: interrupted; job {job_id} keeps running (no terminal to ask about it)")
            return INTERRUPTED
        try:
            answer = ask(f"Cancel job {job_id}? [y/N] ")
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            say(f"demo: job {job_id} keeps running")
            return INTERRUPTED
        code, body = asyncio.run(_cancel(service_url, user, job_id))
    except (aiohttp.ClientError, ServiceError) as error:
        say(f"demo: interrupted; could not reach the service about job {job_id}: {error}")
        return INTERRUPTED
    if code == 200:
        taken = "its queued step taken back" if body["messageCancelled"] else "nothing queued"
        say(f"demo: job {job_id} cancelled ({taken})")
    else:
        say(f"demo: job {job_id} not cancelled: {body['error']}")
    return INTERRUPTED


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        choices=KEYWORD_ROUTES + SIMILAR_ROUTES,
        default="tiktok",
        help="which search to run (default tiktok: a TikTok keyword search)",
    )
    parser.add_argument(
        "--keywords", help='comma-separated keywords for tiktok/youtube (default "home baking")'
    )
    parser.add_argument("--username", help="the creator to find look-alikes of (similar searches)")
    parser.add_argument("--target-results", type=int, default=30, help="creators wanted (30)")
    parser.add_argument("--user", default="demo", help="dev-auth user id to act as (demo)")


def job_from(args: argparse.Namespace) -> DemoJob:
    job = DemoJob(platform=args.platform, target_results=args.target_results)
    if args.keywords:
        words = tuple(w.strip() for w in args.keywords.split(",") if w.strip())
        job = replace(job, keywords=words or job.keywords)
    if args.username:
        job = replace(job, username=args.username)
    return job


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scout demo", description="Run one job against a running stack and show its progress."
    )
    parser.add_argument(
        "--service-url", default="http://127.0.0.1:3000", help="the service (default: scout dev's)"
    )
    add_job_arguments(parser)
    args = parser.parse_args(list(argv))
    console = Console()
    job, started = job_from(args), Started()
    try:
        status = asyncio.run(
            run_demo(args.service_url, job, user=args.user, console=console, started=started)
        )
    except (aiohttp.ClientError, httpx.TransportError) as error:
        print(f"scout demo: cannot reach {args.service_url}: {error}", file=sys.stderr)
        return 2
    except ServiceError as error:
        print(f"scout demo: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if started.job_id is None:
            return INTERRUPTED
        return offer_cancel(
            args.service_url,
            args.user,
            job.platform,
            started.job_id,
            console=console,
            stdin=sys.stdin,
        )
    return 0 if status["status"] == "completed" else 1
