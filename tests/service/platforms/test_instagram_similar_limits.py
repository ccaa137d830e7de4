"""Instagram similar jobs against their target: the first related profiles, no more."""

from __future__ import annotations

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import pipeline


async def test_a_small_target_keeps_the_first_related_profiles(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        job = await p.run("instagram", username="claybyjune", targetResults=2)

        assert (job.status, job.processed_results, job.progress) == (JobStatus.COMPLETED, 2, 100.0)
        assert await p.handles(job.id) == list(OUTCOMES["instagram_similar"].handles[:2])
