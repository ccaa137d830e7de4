"""YouTube similar jobs end to end: tag searches, the target skipped, channels enriched."""

from __future__ import annotations

from pathlib import Path

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.jobs.platforms.youtube_similar import search_terms
from service.scrapecreators.models import YouTubeChannel
from service.store import Store
from tests.service.pipeline import cassette, pipeline


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
        assert sorted(await p.emails(job.id)) == OUTCOMES["youtube_similar"].sorted_emails


async def test_a_channel_that_does_not_exist_fails_the_job(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    missing = ("/v1/youtube/channel?handle=NoSuchChannel", {"error": "Channel not found"}, 404)
    async with pipeline(sqlite_store, clock, [cassette(tmp_path, missing)]) as p:
        job = await p.run("youtube-similar", username="NoSuchChannel")

        assert job.status is JobStatus.ERROR
        assert job.error == "ScrapeCreators: /v1/youtube/channel answered 404: Channel not found"


def test_search_terms_are_the_tags_then_the_name() -> None:
    channel = YouTubeChannel.model_validate(
        {"name": "Bread Club", "tags": "Sourdough, bread club , ,Baking"}
    )

    assert search_terms(channel) == ["sourdough", "bread club", "baking"]
