"""commit_step: a step's writes land exactly once, whatever the deliveries do."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

from service.clock import ManualClock
from service.jobs.enums import JobKind, JobStatus
from service.store import Job, KeyedCreator, NewJob, StepChanges, Store


async def new_job(store: Store, clock: ManualClock, *, user: str = "user-1") -> Job:
    job, _ = await store.create_job(
        NewJob(
            user_id=user,
            kind=JobKind.TIKTOK_KEYWORD,
            timeout_at=clock.now() + timedelta(hours=1),
            target_results=100,
            keywords=["fitness"],
        )
    )
    return job


def creators(*keys: str) -> list[KeyedCreator]:
    return [KeyedCreator(key, {"handle": key}) for key in keys]


async def test_a_step_inserts_creators_and_applies_its_changes(
    store: Store, clock: ManualClock
) -> None:
    job = await new_job(store, clock)
    clock.advance(5)
    changes = StepChanges(status=JobStatus.PROCESSING, add_runs=1, progress=12.5, cursor="30")

    assert await store.commit_step(job.id, 0, creators=creators("a", "b"), updates=changes)

    after = await store.get_job(job.id)
    assert after is not None
    assert (after.step, after.processed_runs, after.processed_results) == (1, 1, 2)
    assert (after.status, after.progress, after.cursor) == (JobStatus.PROCESSING, 12.5, "30")
    assert after.started_at == after.updated_at == clock.now()
    assert [c["handle"] for c in await store.list_results(job.id)] == ["a", "b"]


async def test_a_repeated_step_changes_nothing(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    assert await store.commit_step(
        job.id, 0, creators=creators("a"), updates=StepChanges(add_runs=1)
    )

    again = await store.commit_step(
        job.id, 0, creators=creators("b"), updates=StepChanges(add_runs=1, cursor="99")
    )

    after = await store.get_job(job.id)
    assert again is False
    assert after is not None
    assert (after.step, after.processed_runs, after.processed_results, after.cursor) == (
        1,
        1,
        1,
        None,
    )
    assert await store.count_results(job.id) == 1


async def test_creators_already_in_the_job_are_skipped(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    await store.commit_step(job.id, 0, creators=creators("a", "b", "a"))
    await store.commit_step(job.id, 1, creators=creators("b", "c"))

    after = await store.get_job(job.id)
    assert after is not None
    assert after.processed_results == 3
    assert [c["handle"] for c in await store.list_results(job.id)] == ["a", "b", "c"]
    assert await store.known_creator_keys(job.id, ["c", "d", "a"]) == {"a", "c"}


async def test_a_final_job_takes_no_more_steps(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    await store.commit_step(job.id, 0, updates=StepChanges(status=JobStatus.COMPLETED))

    assert not await store.commit_step(job.id, 1, creators=creators("late"))
    after = await store.get_job(job.id)
    assert after is not None
    assert after.status is JobStatus.COMPLETED
    assert after.completed_at == clock.now()
    assert await store.count_results(job.id) == 0


async def test_concurrent_commits_of_one_step_apply_once(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)

    outcomes = await asyncio.gather(
        *(
            store.commit_step(
                job.id, 0, creators=creators(f"c{i}"), updates=StepChanges(add_runs=1)
            )
            for i in range(5)
        )
    )

    assert sorted(outcomes) == [False] * 4 + [True]
    after = await store.get_job(job.id)
    assert after is not None
    assert (after.step, after.processed_runs, after.processed_results) == (1, 1, 1)


async def test_a_step_for_an_unknown_job_is_refused(store: Store) -> None:
    assert not await store.commit_step(uuid4(), 0, creators=creators("a"))


async def test_failures_count_until_a_step_succeeds(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)

    assert await store.record_failure(job.id, 0, error="HTTP 503") == 1
    assert await store.record_failure(job.id, 0, error="HTTP 429") == 2
    assert await store.record_failure(job.id, 5, error="stale") is None
    await store.commit_step(job.id, 0)

    after = await store.get_job(job.id)
    assert after is not None
    assert after.consecutive_failures == 0
    assert after.step == 1


async def test_results_page_in_discovery_order(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    await store.commit_step(job.id, 0, creators=creators(*[f"c{i}" for i in range(7)]))

    page = await store.list_results(job.id, offset=2, limit=3)

    assert [c["handle"] for c in page] == ["c2", "c3", "c4"]
    assert await store.count_results(job.id) == 7


async def test_step_changes_can_clear_and_replace_fields(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    await store.commit_step(
        job.id, 0, updates=StepChanges(cursor="token", error="x", search_params={"k": ["a"]})
    )
    await store.commit_step(job.id, 1, updates=StepChanges(cursor=None, error=None))

    after = await store.get_job(job.id)
    assert after is not None
    assert (after.cursor, after.error, after.search_params) == (None, None, {"k": ["a"]})


async def test_third_party_text_with_nul_or_lone_surrogates_is_stored_alike_on_every_engine(
    store: Store, clock: ManualClock
) -> None:
    # ScrapeCreators answers are not ours to refuse: a NUL in a bio or a cursor must not fail
    # the step on PostgreSQL (which cannot hold NUL) while SQLite keeps it.
    job = await new_job(store, clock)
    bad = "a\x00b\ud800c"
    creator = KeyedCreator(f"key{bad}", {"handle": "x", "bio": bad, f"k{bad}": [bad]})
    changes = StepChanges(cursor=bad, error=bad, search_params={"token": bad})

    assert await store.commit_step(job.id, 0, creators=[creator], updates=changes)

    after = await store.get_job(job.id)
    assert after is not None
    clean = "a\ufffdb\ufffdc"
    assert (after.cursor, after.error, after.search_params) == (clean, clean, {"token": clean})
    assert await store.list_results(job.id) == [{"handle": "x", "bio": clean, f"k{clean}": [clean]}]
