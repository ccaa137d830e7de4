"""TikTok similar jobs end to end, and how search keywords come out of a target profile."""

from __future__ import annotations

from service.clock import ManualClock
from service.enums import JobStatus
from service.platforms.tiktok_similar import derive_keywords
from service.store import Store
from tests.service.pipeline import pipeline


def test_keywords_are_nickname_words_then_bio_words_then_the_handle() -> None:
    keywords = derive_keywords("Sourdough Sunday", "I bake the best rye-bread!! 🍞", "Sunday.Dough")

    assert keywords == ["sourdough", "sunday", "bake", "best", "rye"]


def test_short_stop_and_overlong_words_are_skipped() -> None:
    keywords = derive_keywords("Yo the", "and a supercalifragilisticexpialidocious day", "handle")

    assert keywords == ["day", "handle"]


async def test_similar_creators_are_sorted_by_followers_without_private_or_target(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["tiktok_similar"]) as p:
        await p.configure(api_limits__max_api_calls_tiktok_similar=2)
        job = await p.run("tiktok-similar", username="@sundaysourdough")

        assert (job.status, job.error, job.progress) == (JobStatus.COMPLETED, None, 100.0)
        assert await p.handles(job.id) == [
            "sundayloaves",
            "sourdough.sara",
            "levain_lab",
            "sunday.bakeshop",
        ]
        assert sorted(await p.emails(job.id)) == [
            "sara@sourdoughsara.example.com",
            "wholesale@sundaybakeshop.example.org",
        ]
        assert job.search_params is not None
        assert job.search_params["users"] == []
