"""TikTok similar jobs end to end, and how search keywords come out of a target profile."""

from __future__ import annotations

from pathlib import Path

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.jobs.platforms.tiktok_similar import derive_keywords
from service.store import Store
from tests.service.pipeline import cassette, pipeline


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
        outcome = OUTCOMES["tiktok_similar"]
        assert await p.handles(job.id) == list(outcome.handles)
        assert sorted(await p.emails(job.id)) == outcome.sorted_emails
        assert job.search_params is not None
        assert job.search_params["users"] == []


async def test_a_target_that_does_not_exist_fails_the_job(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    gone = {"account_deactivated": True, "handle": "ghost", "message": "Account doesn't exist"}
    scenario = cassette(tmp_path, ("/v1/tiktok/profile?handle=ghost", gone))
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        job = await p.run("tiktok-similar", username="ghost")

        assert (job.status, job.error) == (JobStatus.ERROR, "TikTok profile @ghost not found")


async def test_deactivated_creators_are_dropped_and_unknown_ones_keep_their_snippet(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    target = {"user": {"id": "1", "uniqueId": "clay", "nickname": "Clay"}, "stats": {}}
    users = {
        "users": [
            {"user_info": {"uid": "2", "unique_id": "gone", "follower_count": 9}},
            {"user_info": {"uid": "3", "unique_id": "kept", "search_user_desc": "me@kept.io"}},
        ]
    }
    scenario = cassette(
        tmp_path,
        ("/v1/tiktok/profile?handle=clay", target),
        ("/v1/tiktok/search/users?query=clay&cursor=0", users),
        ("/v1/tiktok/profile?handle=gone", {"account_deactivated": True}),
        ("/v1/tiktok/profile?handle=kept", {"error": "Profile not found"}, 404),
    )
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        job = await p.run("tiktok-similar", username="clay")

        assert (job.status, job.error) == (JobStatus.COMPLETED, None)
        [kept] = await p.store.list_results(job.id)
        assert (kept["handle"], kept["bio"], kept["emails"]) == (
            "kept",
            "me@kept.io",
            ["me@kept.io"],
        )
