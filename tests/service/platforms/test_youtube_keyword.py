"""YouTube keyword jobs end to end: continuation tokens, videos and shorts, channel details."""

from __future__ import annotations

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import pipeline


async def test_channels_from_two_pages_with_details_and_emails(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["youtube_keyword"]) as p:
        job = await p.run("youtube", keywords=["sourdough", "starter"], targetResults=100)

        assert (job.status, job.error, job.processed_runs) == (JobStatus.COMPLETED, None, 2)
        results = await p.store.list_results(job.id)
        assert len(results) == job.processed_results == 5
        handles = [c["handle"] for c in results]
        assert handles[:3] == ["FermentFriends", "StarterWhisperer", "crumbshots"]
        assert "LevainLeisure" in handles
        [no_handle] = [c for c in results if not c["handle"]]
        assert (no_handle["name"], no_handle["bio"], no_handle["followers"]) == (
            "Bread Diary 2009",
            "",
            None,
        )
        assert sorted(await p.emails(job.id)) == OUTCOMES["youtube_keyword"].sorted_emails


async def test_the_last_batch_is_trimmed_to_the_target(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["youtube_keyword"], allow_unplayed=True) as p:
        job = await p.run("youtube", keywords=["sourdough", "starter"], targetResults=2)

        assert (job.status, job.processed_results, job.progress) == (JobStatus.COMPLETED, 2, 100.0)
        assert await p.handles(job.id) == ["FermentFriends", "StarterWhisperer"]
        played = [r["path"] for r in await p.mock.requests()]
        assert played.count("/v1/youtube/channel") == 2  # no details paid for trimmed channels
