"""YouTube keyword jobs against their limits: the search cap, a small target, progress per step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import cassette, pipeline
from tests.service.stepping import paths, step_by_step

SEARCH = "/v1/youtube/search"
CHANNEL = "/v1/youtube/channel"
DELAY = 5  # seconds: qstash_delays.youtube_continuation_delay, set by each test


def _page(handles: list[str], token: str = "") -> dict[str, Any]:
    videos = [
        {"type": "video", "id": f"v-{h}", "title": h, "channel": {"id": f"UC-{h}", "handle": h}}
        for h in handles
    ]
    return {"success": True, "videos": videos, "continuationToken": token}


def _channel(handle: str) -> tuple[str, dict[str, Any]]:
    body = {"channelId": f"UC-{handle}", "name": handle, "subscriberCount": 1000}
    return (f"{CHANNEL}?handle={handle}", body)


def three_pages(folder: Path) -> Path:
    """Three search pages of two channels each, with every channel's details."""
    pages = [["alpha", "bravo"], ["charlie", "delta"], ["echo", "foxtrot"]]
    return cassette(
        folder,
        (f"{SEARCH}?query=bread", _page(pages[0], "page-2")),
        *(_channel(h) for h in pages[0]),
        (f"{SEARCH}?query=bread&continuationToken=page-2", _page(pages[1], "page-3")),
        *(_channel(h) for h in pages[1]),
        (f"{SEARCH}?query=bread&continuationToken=page-3", _page(pages[2])),
        *(_channel(h) for h in pages[2]),
    )


async def test_the_search_cap_is_the_number_of_searches_made(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    async with pipeline(sqlite_store, clock, [three_pages(tmp_path)], allow_unplayed=True) as p:
        await p.configure(
            api_limits__max_api_calls_youtube=2,
            qstash_delays__youtube_continuation_delay=f"{DELAY}s",
        )
        job_id = await p.start("youtube", keywords=["bread"], targetResults=100)

        steps = await step_by_step(p, job_id, every=DELAY)

        # 30·1/2 + 70·2/100 after the first page; the cap ends the job at the second.
        assert [(job.processed_runs, job.progress) for job in steps] == [(1, 16.4), (2, 100.0)]
        assert (steps[-1].status, steps[-1].error) == (JobStatus.COMPLETED, None)
        assert (await paths(p)).count(SEARCH) == 2
        assert await p.handles(job_id) == ["alpha", "bravo", "charlie", "delta"]


async def test_a_cap_of_one_search_ends_the_job_after_the_first_page(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["youtube_keyword"], allow_unplayed=True) as p:
        await p.configure(api_limits__max_api_calls_youtube=1)
        job = await p.run("youtube", keywords=["sourdough", "starter"], targetResults=100)

        assert (job.status, job.processed_runs, job.processed_results, job.progress) == (
            JobStatus.COMPLETED,
            1,
            3,
            100.0,
        )
        assert (await paths(p)).count(SEARCH) == 1


async def test_a_small_target_counts_the_channels_of_every_page(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    # Page 1 brings 2 channels, page 2 the third: then the target is met, page 3 is never asked.
    async with pipeline(sqlite_store, clock, [three_pages(tmp_path)], allow_unplayed=True) as p:
        await p.configure(qstash_delays__youtube_continuation_delay=f"{DELAY}s")
        job_id = await p.start("youtube", keywords=["bread"], targetResults=3)

        steps = await step_by_step(p, job_id, every=DELAY)

        # Under the default cap of 20 searches: 30·1/20 + 70·2/3 after the first page.
        assert [(job.processed_runs, job.processed_results, job.progress) for job in steps] == [
            (1, 2, 48.17),
            (2, 3, 100.0),
        ]
        assert steps[-1].status is JobStatus.COMPLETED
        assert await p.handles(job_id) == ["alpha", "bravo", "charlie"]
        called = await paths(p)
        # No third search, and no details paid for beyond the third channel.
        assert (called.count(SEARCH), called.count(CHANNEL)) == (2, 3)


async def test_a_continuation_token_that_repeats_ends_the_job(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    # The strict mock holds one answer per token: asking page-2 again would fail the job.
    scenario = cassette(
        tmp_path,
        (f"{SEARCH}?query=bread", _page(["alpha"], "page-2")),
        _channel("alpha"),
        (f"{SEARCH}?query=bread&continuationToken=page-2", _page(["bravo"], "page-2")),
        _channel("bravo"),
    )
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        job = await p.run("youtube", keywords=["bread"], targetResults=100)

        assert (job.status, job.error, job.processed_runs) == (JobStatus.COMPLETED, None, 2)
        assert await p.handles(job.id) == ["alpha", "bravo"]


async def test_an_empty_page_ends_the_job_even_with_a_token(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    scenario = cassette(
        tmp_path,
        (f"{SEARCH}?query=bread", _page(["alpha"], "page-2")),
        _channel("alpha"),
        (f"{SEARCH}?query=bread&continuationToken=page-2", _page([], "page-3")),
    )
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        job = await p.run("youtube", keywords=["bread"], targetResults=100)

        assert (job.status, job.error, job.processed_runs) == (JobStatus.COMPLETED, None, 2)
        assert await p.handles(job.id) == ["alpha"]
