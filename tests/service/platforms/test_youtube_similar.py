"""YouTube similar jobs end to end: tag searches, the target skipped, channels enriched."""

from __future__ import annotations

from service.clock import ManualClock
from service.enums import JobStatus
from service.store import Store
from tests.service.pipeline import pipeline


async def test_channels_found_by_the_targets_tags(sqlite_store: Store, clock: ManualClock) -> None:
    async with pipeline(sqlite_store, clock, ["youtube_similar"]) as p:
        job = await p.run("youtube-similar", username="BreadAndButterBakes")

        assert (job.status, job.error, job.progress) == (JobStatus.COMPLETED, None, 100.0)
        results = await p.store.list_results(job.id)
        assert [c["handle"] or c["name"] for c in results] == [
            "OpenCrumbClub",
            "BatardBros",
            "MicroBakeryDiaries",
            "kitchen counter bread",
            "HomeBakeryHustle",
        ]
        assert sorted(await p.emails(job.id)) == [
            "club@opencrumbclub.example.com",
            "diaries@microbakery.example.org",
            "hustle@homebakery.example.net",
        ]
