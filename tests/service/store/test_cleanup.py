"""Retention in the store: finished jobs past their cutoff go, with their results, in batches."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from service.clock import ManualClock
from service.jobs.enums import JobKind, JobStatus
from service.store import KeyedCreator, NewJob, StepChanges, Store


async def finished_job(
    store: Store, clock: ManualClock, status: JobStatus, results: int = 0
) -> UUID:
    """A job that ends now in `status`, having saved `results` creators."""
    job, _ = await store.create_job(
        NewJob(
            user_id="user-1",
            kind=JobKind.TIKTOK_KEYWORD,
            keywords=["baking"],
            target_results=100,
            timeout_at=clock.now() + timedelta(days=365),
        )
    )
    creators = [KeyedCreator(f"tiktok:{n}", {"handle": f"baker{n}"}) for n in range(results)]
    if status is JobStatus.COMPLETED:
        await store.commit_step(job.id, 0, creators=creators, updates=StepChanges(status=status))
    else:
        await store.commit_step(job.id, 0, creators=creators)
        await store.mark_status(job.id, status, error="failed")
    return job.id


async def test_jobs_past_their_status_cutoff_are_deleted_with_their_results(
    store: Store, clock: ManualClock
) -> None:
    old_done = await finished_job(store, clock, JobStatus.COMPLETED, results=3)
    old_error = await finished_job(store, clock, JobStatus.ERROR, results=2)
    old_timeout = await finished_job(store, clock, JobStatus.TIMEOUT)
    clock.advance(10 * 86400)
    young_error = await finished_job(store, clock, JobStatus.ERROR)
    active, _ = await store.create_job(
        NewJob("user-1", JobKind.TIKTOK_KEYWORD, timeout_at=clock.now(), target_results=10)
    )
    clock.advance(86400)

    deleted = await store.delete_finished(
        {
            JobStatus.COMPLETED: clock.now() - timedelta(days=5),
            JobStatus.ERROR: clock.now() - timedelta(days=5),
        },
        limit=100,
    )

    assert deleted == {JobStatus.COMPLETED: 1, JobStatus.ERROR: 1}
    assert await store.get_job(old_done) is None
    assert await store.get_job(old_error) is None
    assert (await store.count_results(old_done), await store.count_results(old_error)) == (0, 0)
    # Not listed (timeout), too young, or not finished: kept.
    for kept in (old_timeout, young_error, active.id):
        assert await store.get_job(kept) is not None


async def test_a_batch_takes_the_oldest_first_and_stops_at_its_limit(
    store: Store, clock: ManualClock
) -> None:
    finished = []
    for _ in range(5):
        finished.append(await finished_job(store, clock, JobStatus.COMPLETED, results=1))
        clock.advance(60)
    cutoffs = {JobStatus.COMPLETED: clock.now()}

    first = await store.delete_finished(cutoffs, limit=2)
    second = await store.delete_finished(cutoffs, limit=2)

    assert (first, second) == ({JobStatus.COMPLETED: 2}, {JobStatus.COMPLETED: 2})
    assert [await store.get_job(job_id) is None for job_id in finished] == [True] * 4 + [False]
    assert await store.delete_finished(cutoffs, limit=2) == {JobStatus.COMPLETED: 1}
    assert await store.delete_finished(cutoffs, limit=2) == {}


async def test_no_cutoffs_delete_nothing_and_active_statuses_are_refused(
    store: Store, clock: ManualClock
) -> None:
    await finished_job(store, clock, JobStatus.COMPLETED)
    clock.advance(86400)

    assert await store.delete_finished({}, limit=10) == {}
    with pytest.raises(ValueError, match="only finished jobs"):
        await store.delete_finished({JobStatus.PENDING: clock.now()}, limit=10)
