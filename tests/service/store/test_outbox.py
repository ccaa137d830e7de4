"""The step outbox: the next step is recorded with its step's commit and marked sent once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from uuid import UUID

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import StepChanges, Store
from service.store.outbox import OutboxEntry
from tests.service.store.test_steps import creators, new_job


def next_step(job_id: UUID, step: int, due: datetime) -> OutboxEntry:
    return OutboxEntry(f"job-{job_id}-step-{step}", job_id, step, 0, due)


async def test_a_commit_records_its_next_step_unsent(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    entry = next_step(job.id, 1, clock.now() + timedelta(seconds=2))

    assert await store.commit_step(job.id, 0, creators=creators("a"), next_step=entry)

    assert await store.unsent(limit=10) == [entry]
    assert await store.unsent(limit=10, job_id=job.id) == [entry]


async def test_a_refused_commit_records_nothing(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    assert await store.commit_step(job.id, 0, next_step=next_step(job.id, 1, clock.now()))

    again = await store.commit_step(job.id, 0, next_step=next_step(job.id, 1, clock.now()))

    assert not again
    assert len(await store.unsent(limit=10)) == 1


async def test_concurrent_commits_of_one_step_record_one_entry(
    store: Store, clock: ManualClock
) -> None:
    job = await new_job(store, clock)

    won = await asyncio.gather(
        *(
            store.commit_step(job.id, 0, creators=creators(key), next_step=next_step(job.id, 1, d))
            for key, d in (("a", clock.now()), ("b", clock.now()))
        )
    )

    assert sorted(won) == [False, True]
    assert [entry.step for entry in await store.unsent(limit=10)] == [1]


async def test_a_sent_entry_is_no_longer_unsent(store: Store, clock: ManualClock) -> None:
    first, second = await new_job(store, clock), await new_job(store, clock)
    one = next_step(first.id, 1, clock.now())
    clock.advance(1)
    other = next_step(second.id, 1, clock.now())
    assert await store.commit_step(first.id, 0, next_step=one)
    assert await store.commit_step(second.id, 0, next_step=other)

    await store.mark_sent(one.dedup_id, "msg_1")

    assert await store.unsent(limit=10) == [other]
    assert await store.unsent(limit=10, job_id=first.id) == []


async def test_unsent_entries_come_oldest_first_in_bounded_batches(
    store: Store, clock: ManualClock
) -> None:
    entries = []
    for _ in range(3):
        job = await new_job(store, clock)
        entries.append(next_step(job.id, 1, clock.now()))
        assert await store.commit_step(job.id, 0, next_step=entries[-1])
        clock.advance(1)

    assert await store.unsent(limit=2) == entries[:2]


async def test_deleting_a_finished_job_deletes_its_outbox(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    entry = next_step(job.id, 1, clock.now())
    assert await store.commit_step(job.id, 0, next_step=entry)
    await store.mark_status(job.id, JobStatus.ERROR, error="gave up")
    clock.advance(1)

    deleted = await store.delete_finished({JobStatus.ERROR: clock.now()}, limit=10)

    assert deleted == {JobStatus.ERROR: 1}
    assert await store.unsent(limit=10) == []


async def test_a_completing_commit_may_record_no_next_step(
    store: Store, clock: ManualClock
) -> None:
    job = await new_job(store, clock)

    assert await store.commit_step(job.id, 0, updates=StepChanges(status=JobStatus.COMPLETED))

    assert await store.unsent(limit=10) == []
