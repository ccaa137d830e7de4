"""ScrapeCreators calls as the API sees them: per-job and per-process caps, 429 slow-downs.

The mock holds each profile call a little (real time, so several are in flight at once) and
counts the most it answered at once; the service's pause after a 429 runs on the virtual time
the QStash emulator and the service share.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from prometheus_client.parser import text_string_to_metric_families

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import Pipeline, cassette, pipeline, step_deliveries

HOLD = "200ms"  # per profile call: long enough for every call the limits allow to overlap


def page(query: str, handles: Sequence[str]) -> list[tuple[str, Any]]:
    """A one-page TikTok search of `handles` and a profile for each (recorded twice, so a
    step that is tried again finds them again)."""
    search = {
        "cursor": 30,
        "has_more": 0,
        "search_item_list": [
            {"aweme_info": {"aweme_id": h, "desc": query, "author": {"uid": h, "unique_id": h}}}
            for h in handles
        ],
    }
    answers: list[tuple[str, Any]] = [
        (f"/v1/tiktok/search/keyword?query={query.replace(' ', '+')}&cursor=0", search)
    ] * 2
    for h in handles:
        profile = {"user": {"uniqueId": h, "signature": f"write to {h}@example.com"}, "stats": {}}
        answers += [(f"/v1/tiktok/profile?handle={h}", profile)] * 2
    return answers


def handles(prefix: str, count: int) -> list[str]:
    return [f"{prefix}.{i:02d}" for i in range(count)]


def scenario(folder: Path, *pages: list[tuple[str, Any]]) -> Path:
    return cassette(folder, *[answer for answers in pages for answer in answers])


async def metric(p: Pipeline, name: str) -> float:
    text = await (await p.stack.client.get("/metrics")).text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"{name} is not on /metrics")


async def searched(p: Pipeline, query: str) -> int:
    return sum(
        1
        for entry in await p.mock.requests()
        if entry["path"] == "/v1/tiktok/search/keyword" and entry["query"]["query"] == query
    )


async def start(p: Pipeline, query: str) -> UUID:
    return await p.start("tiktok", keywords=[query], targetResults=100)


async def test_the_default_per_job_limit_keeps_ten_profile_calls_in_flight(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    creators = handles("solo", 30)
    folder = scenario(tmp_path, page("solo baking", creators))
    async with pipeline(sqlite_store, clock, [folder], allow_unplayed=True) as p:
        await p.mock.fault("/v1/tiktok/profile", "latency", count=30, delay=HOLD)

        job = await p.run("tiktok", keywords=["solo baking"], targetResults=100)

        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 30)
        # 10 at a time: the default; the page's 30 calls overlap as far as it allows.
        assert p.mock.max_in_flight == 10


async def test_a_lower_per_job_limit_is_what_the_api_sees(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    creators = handles("few", 12)
    folder = scenario(tmp_path, page("few baking", creators))
    async with pipeline(sqlite_store, clock, [folder], allow_unplayed=True) as p:
        await p.configure(processing__profile_concurrency=3)
        await p.mock.fault("/v1/tiktok/profile", "latency", count=12, delay=HOLD)

        job = await p.run("tiktok", keywords=["few baking"], targetResults=100)

        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 12)
        assert p.mock.max_in_flight == 3


async def test_jobs_together_stay_within_the_per_process_limit(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    first, second = handles("left", 12), handles("right", 12)
    folder = scenario(tmp_path, page("left baking", first), page("right baking", second))
    async with pipeline(sqlite_store, clock, [folder], allow_unplayed=True) as p:
        await p.configure(
            processing__profile_concurrency=4, processing__scrapecreators_concurrency=6
        )
        await p.mock.fault("/v1/tiktok/profile", "latency", count=24, delay=HOLD)
        jobs = [await start(p, "left baking"), await start(p, "right baking")]

        await p.stack.emulator.drain()  # both first steps at once

        for job_id in jobs:
            job = await p.job(job_id)
            assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 12)
        # Each job alone may have 4 in flight; the process lets 6 go, never 8.
        assert p.mock.max_in_flight == 6


async def test_a_429_to_one_job_pauses_and_slows_every_job_then_they_recover(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    a_creators, b_creators = handles("a", 15), handles("b", 15)
    folder = scenario(tmp_path, page("a baking", a_creators), page("b baking", b_creators))
    async with pipeline(sqlite_store, clock, [folder], allow_unplayed=True) as p:
        await p.configure(
            processing__profile_concurrency=4, processing__scrapecreators_concurrency=8
        )
        await p.mock.fault("/v1/tiktok/profile", "rate_limit", retry_after=10)
        job_a = await start(p, "a baking")
        await p.stack.emulator.drain()

        # A met the 429: its step comes back after Retry-After, as before.
        a = await p.job(job_a)
        assert (a.status, a.consecutive_failures) == (JobStatus.PENDING, 1)
        assert a.error is not None
        assert a.error.startswith("ScrapeCreators: rate limited")
        assert await metric(p, "scout_scrapecreators_call_limit") == 4  # halved from 8
        throttled = await metric(p, "scout_scrapecreators_throttled_total")

        # B starts 4 s into the pause: it sends nothing and comes back when the pause ends.
        await p.stack.emulator.advance(4)
        job_b = await start(p, "b baking")
        await p.stack.emulator.drain()
        b = await p.job(job_b)
        assert (b.status, b.consecutive_failures) == (JobStatus.PENDING, 1)
        assert b.error == "ScrapeCreators: rate limited (calls paused for 6s after a 429)"
        assert await searched(p, "b baking") == 0
        assert await metric(p, "scout_scrapecreators_throttled_total") == throttled + 1

        # B's backoff is max(5 s, the 6 s left): at 5 s it has still not called.
        await p.stack.emulator.advance(5.9)
        assert await searched(p, "b baking") == 0
        await p.stack.emulator.run_until_idle()

        for job_id, creators in ((job_a, a_creators), (job_b, b_creators)):
            job = await p.job(job_id)
            assert (job.status, job.processed_results) == (JobStatus.COMPLETED, len(creators))
            assert job.error is None
        assert await searched(p, "b baking") == 1
        assert [step for step, _ in step_deliveries(p)] == [0, 0, 0, 0]
        # About 30 calls answered since the halving; 4 + 5 + 6 + 7 of them bring it back to 8.
        assert await metric(p, "scout_scrapecreators_call_limit") == 8
