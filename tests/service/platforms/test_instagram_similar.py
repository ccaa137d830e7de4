"""Instagram similar jobs end to end: related profiles, and an empty list as a valid result."""

from __future__ import annotations

from pathlib import Path

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import cassette, pipeline


async def test_related_profiles_are_the_results(sqlite_store: Store, clock: ManualClock) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        job = await p.run("instagram", username="claybyjune")

        assert (job.status, job.error, job.processed_results) == (JobStatus.COMPLETED, None, 5)
        assert await p.handles(job.id) == list(OUTCOMES["instagram_similar"].handles)
        results = await p.store.list_results(job.id)
        assert [c["isPrivate"] for c in results] == [False, False, False, True, False]
        assert await p.emails(job.id) == []


async def test_no_related_profiles_completes_empty_without_error(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar_empty"]) as p:
        job = await p.run("instagram", username="lonely.loom")

        assert (job.status, job.error, job.processed_results, job.progress) == (
            JobStatus.COMPLETED,
            None,
            0,
            100.0,
        )


async def test_a_profile_without_a_user_fails_the_job(
    sqlite_store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    scenario = cassette(tmp_path, ("/v1/instagram/profile?handle=nobody", {"data": {}}))
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        job = await p.run("instagram", username="nobody")

        assert (job.status, job.error) == (JobStatus.ERROR, "Instagram profile @nobody not found")
