"""TikTok keyword jobs against their limits: the search cap, a small target, progress per step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import BAKING_HANDLES, cassette, pipeline
from tests.service.stepping import paths, step_by_step

SEARCH = "/v1/tiktok/search/keyword"
PROFILE = "/v1/tiktok/profile"
DELAY = 2  # seconds: qstash_delays.tiktok_continuation_delay, set by each test


@pytest.mark.parametrize(
    ("cap", "handles", "progress"),
    [
        # The cassette holds three searches; the cap stops the job before the last ones.
        (1, BAKING_HANDLES[:4], [100.0]),
        # 30·1/2 + 70·4/100 after the first page.
        (2, BAKING_HANDLES, [17.8, 100.0]),
    ],
)
async def test_the_search_cap_is_the_number_of_searches_made(
    sqlite_store: Store,
    clock: ManualClock,
    cap: int,
    handles: list[str],
    progress: list[float],
) -> None:
    async with pipeline(sqlite_store, clock, ["tiktok_keyword"], allow_unplayed=True) as p:
        await p.configure(
            api_limits__max_api_calls_for_testing=cap,
            qstash_delays__tiktok_continuation_delay=f"{DELAY}s",
        )
        job_id = await p.start("tiktok", keywords=["home baking"], targetResults=100)

        steps = await step_by_step(p, job_id, every=DELAY)

        assert [job.progress for job in steps] == progress
        job = steps[-1]
        assert (job.status, job.error, job.processed_runs) == (JobStatus.COMPLETED, None, cap)
        assert (await paths(p)).count(SEARCH) == cap
        assert await p.handles(job_id) == handles


async def test_a_small_target_counts_the_creators_of_every_page(
    sqlite_store: Store, clock: ManualClock
) -> None:
    # Page 1 brings 4 new creators, page 2 one more (the fifth): then the target is met.
    async with pipeline(sqlite_store, clock, ["tiktok_keyword"], allow_unplayed=True) as p:
        await p.configure(qstash_delays__tiktok_continuation_delay=f"{DELAY}s")
        job_id = await p.start("tiktok", keywords=["home baking"], targetResults=5)

        steps = await step_by_step(p, job_id, every=DELAY)

        # Under the default cap of 5 searches: 30·1/5 + 70·4/5 after the first page.
        assert [(job.processed_runs, job.processed_results, job.progress) for job in steps] == [
            (1, 4, 62.0),
            (2, 5, 100.0),
        ]
        assert steps[-1].status is JobStatus.COMPLETED
        assert await p.handles(job_id) == BAKING_HANDLES[:5]
        called = await paths(p)
        # No third search, and no profile paid for beyond the fifth creator.
        assert (called.count(SEARCH), called.count(PROFILE)) == (2, 5)


async def test_a_target_met_by_the_first_page_needs_no_second_search(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["tiktok_keyword"], allow_unplayed=True) as p:
        job = await p.run("tiktok", keywords=["home baking"], targetResults=4)

        assert (job.status, job.processed_runs, job.processed_results, job.progress) == (
            JobStatus.COMPLETED,
            1,
            4,
            100.0,
        )
        assert (await paths(p)).count(SEARCH) == 1


def _page(handles: list[str], *, cursor: int, has_more: int = 1) -> dict[str, Any]:
    items = [{"aweme_info": {"author": {"uid": f"u-{h}", "unique_id": h}}} for h in handles]
    return {"search_item_list": items, "cursor": cursor, "has_more": has_more}


def _profile(handle: str) -> tuple[str, dict[str, Any]]:
    body = {"user": {"id": f"u-{handle}", "uniqueId": handle}, "stats": {"followerCount": 10}}
    return (f"{PROFILE}?handle={handle}", body)


async def test_a_cursor_that_does_not_advance_ends_the_job(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    # The strict mock holds one answer for cursor 0: asking it again would fail the job.
    scenario = cassette(
        tmp_path, (f"{SEARCH}?query=clay&cursor=0", _page(["wren"], cursor=0)), _profile("wren")
    )
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        job = await p.run("tiktok", keywords=["clay"], targetResults=100)

        assert (job.status, job.error, job.processed_runs) == (JobStatus.COMPLETED, None, 1)
        assert await p.handles(job.id) == ["wren"]


async def test_an_empty_page_ends_the_job_even_when_it_says_there_is_more(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    scenario = cassette(
        tmp_path,
        (f"{SEARCH}?query=clay&cursor=0", _page(["wren"], cursor=30)),
        _profile("wren"),
        (f"{SEARCH}?query=clay&cursor=30", _page([], cursor=60)),
    )
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        job = await p.run("tiktok", keywords=["clay"], targetResults=100)

        assert (job.status, job.error, job.processed_runs) == (JobStatus.COMPLETED, None, 2)
        assert await p.handles(job.id) == ["wren"]
