"""`scout demo`: run one job through the public API with a live progress bar, then show creators."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import aiohttp
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from scout.api_client import ACTIVE, JsonDict, ServiceClient, ServiceError

KEYWORD_ROUTES = ("tiktok", "youtube")
SIMILAR_ROUTES = ("tiktok-similar", "instagram", "youtube-similar")
POLL_SECONDS = 0.5
DEADLINE_SECONDS = 300.0  # then the demo stops watching; the job itself runs on
SHOWN = 10


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


async def run_demo(
    service_url: str,
    job: DemoJob,
    *,
    user: str = "demo",
    console: Console,
) -> JsonDict:
    """Create a campaign and a job, follow its status until it ends; returns the final status."""
    async with aiohttp.ClientSession() as http:
        client = ServiceClient(http, service_url, user=user, admin=user)
        campaign = await client.campaign("scout demo")
        job_id = await client.create_job(job.platform, job.body(), campaign=campaign)
        console.print(
            f"demo: {job.describe()} → job {job_id} (user {user!r})", markup=False, soft_wrap=True
        )
        give_up = time.monotonic() + DEADLINE_SECONDS
        with _progress(console) as progress:
            bar = progress.add_task("job", total=100, status="pending", step=0, found=0)
            while True:
                status = await client.status(job.platform, job_id, limit=SHOWN)
                progress.update(
                    bar,
                    completed=status["progress"],
                    status=status["status"],
                    step=status["processedRuns"],
                    found=status["processedResults"],
                )
                if status["status"] not in ACTIVE or time.monotonic() > give_up:
                    break
                await asyncio.sleep(POLL_SECONDS)  # a person watching, not a test
    if status["status"] in ACTIVE:
        console.print(f"demo: job {job_id} still {status['status']} after {DEADLINE_SECONDS:g}s")
    elif status["status"] == "completed":
        console.print(creators_table(status["results"], status["totalResults"]))
    else:
        ended = f"demo: job {job_id} ended {status['status']}: {status['error']}"
        console.print(ended, markup=False)
    return status


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
    try:
        status = asyncio.run(
            run_demo(args.service_url, job_from(args), user=args.user, console=console)
        )
    except aiohttp.ClientError as error:
        print(f"scout demo: cannot reach {args.service_url}: {error}", file=sys.stderr)
        return 2
    except ServiceError as error:
        print(f"scout demo: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0 if status["status"] == "completed" else 1
