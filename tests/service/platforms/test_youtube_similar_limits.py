"""YouTube similar jobs against their limits: the search cap, the target, enrichment, progress."""

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
TARGET = {"username": "BreadAndButterBakes"}
# The cassette's channels in the order its three searches find them ("" has no handle).
FOUND = ["OpenCrumbClub", "BatardBros", "MicroBakeryDiaries", "", "HomeBakeryHustle"]
ENRICHED = 10  # channels that get a details call, at most (as the original app did)


async def test_progress_counts_the_channels_of_every_search_so_far(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["youtube_similar"]) as p:
        await p.configure(qstash_delays__youtube_continuation_delay=f"{DELAY}s")
        job_id = await p.start("youtube-similar", **TARGET)

        steps = await step_by_step(p, job_id, every=DELAY)

        # Runs count the target's look-up and each of the 3 searches (of 4); results count the
        # channels found so far against the default target of 100: 2, then 4, then all 5.
        assert [(job.processed_runs, job.progress) for job in steps] == [
            (2, 16.4),  # 30·2/4 + 70·2/100
            (3, 25.3),  # 30·3/4 + 70·4/100
            (4, 100.0),
        ]
        assert steps[-1].status is JobStatus.COMPLETED


async def test_the_search_cap_is_the_number_of_searches_made(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["youtube_similar"], allow_unplayed=True) as p:
        await p.configure(api_limits__max_api_calls_youtube_similar=2)
        job = await p.run("youtube-similar", **TARGET)

        assert (job.status, job.error, job.progress) == (JobStatus.COMPLETED, None, 100.0)
        assert (await paths(p)).count(SEARCH) == 2
        assert await p.handles(job.id) == FOUND[:4]  # what the first two searches found


async def test_a_small_target_keeps_the_first_channels_and_enriches_only_those(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["youtube_similar"], allow_unplayed=True) as p:
        await p.configure(qstash_delays__youtube_continuation_delay=f"{DELAY}s")
        job_id = await p.start("youtube-similar", **TARGET, targetResults=2)

        steps = await step_by_step(p, job_id, every=DELAY)

        # The target is met by the first search; progress stays short of 100 until the planned
        # searches are done (30·2/4 + 70, then 30·3/4 + 70).
        assert [job.progress for job in steps] == [85.0, 92.5, 100.0]
        job = steps[-1]
        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 2)
        assert await p.handles(job_id) == FOUND[:2]
        assert (await paths(p)).count(CHANNEL) == 1 + 2  # the target, then the two kept


def _video(n: int) -> dict[str, Any]:
    handle = f"maker{n:02}"
    return {"type": "video", "id": f"v{n}", "channel": {"id": f"UC{n:02}", "handle": handle}}


async def test_at_most_ten_channels_get_details(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    found = ENRICHED + 1
    details = [
        (f"{CHANNEL}?handle=maker{n:02}", {"channelId": f"UC{n:02}", "subscriberCount": n})
        for n in range(1, ENRICHED + 1)
    ]
    scenario = cassette(
        tmp_path,
        (f"{CHANNEL}?handle=potter", {"channelId": "UC00", "name": "Potter", "tags": "clay"}),
        (f"{SEARCH}?query=clay", {"videos": [_video(n) for n in range(1, found + 1)]}),
        *details,
    )
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        await p.configure(api_limits__max_api_calls_youtube_similar=1)
        job = await p.run("youtube-similar", username="potter")

        assert (job.status, job.error, job.processed_results) == (JobStatus.COMPLETED, None, found)
        results = await p.store.list_results(job.id)
        assert [c["followers"] for c in results] == [*range(1, ENRICHED + 1), None]
        assert (await paths(p)).count(CHANNEL) == 1 + ENRICHED
