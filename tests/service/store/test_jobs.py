"""Jobs and campaigns in the store: ownership, idempotency keys, status changes, sweeps."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

import pytest
from sqlalchemy.exc import IntegrityError

from service.clock import ManualClock
from service.jobs.enums import JobKind, JobStatus, Platform, SearchType
from service.store import NewConfig, NewJob, StepChanges, Store


def job_for(clock: ManualClock, *, user: str = "user-1", key: str | None = None) -> NewJob:
    return NewJob(
        user_id=user,
        kind=JobKind.YOUTUBE_SIMILAR,
        timeout_at=clock.now() + timedelta(minutes=60),
        target_results=100,
        target_username="somechannel",
        idempotency_key=key,
    )


async def test_campaigns_belong_to_their_user(store: Store) -> None:
    mine = await store.create_campaign("alice", name="Spring", search_type=SearchType.KEYWORD)
    await store.create_campaign("bob", name="Other", search_type=SearchType.SIMILAR)

    assert [c.name for c in await store.list_campaigns("alice")] == ["Spring"]
    assert await store.get_campaign("alice", mine.id) == mine
    assert await store.get_campaign("bob", mine.id) is None


async def test_a_new_job_is_pending_with_its_platform(store: Store, clock: ManualClock) -> None:
    job, created = await store.create_job(job_for(clock))

    assert created
    assert (job.status, job.platform, job.step, job.progress) == (
        JobStatus.PENDING,
        Platform.YOUTUBE,
        0,
        0.0,
    )
    assert job.timeout_at == clock.now() + timedelta(minutes=60)


async def test_an_idempotency_key_returns_the_same_job(store: Store, clock: ManualClock) -> None:
    first, created = await store.create_job(job_for(clock, key="req-1"))
    again, created_again = await store.create_job(job_for(clock, key="req-1"))
    other_user, _ = await store.create_job(job_for(clock, user="bob", key="req-1"))
    unkeyed, _ = await store.create_job(job_for(clock))

    assert created
    assert not created_again
    assert again.id == first.id
    assert len({first.id, other_user.id, unkeyed.id}) == 3


async def test_another_users_job_is_not_found(store: Store, clock: ManualClock) -> None:
    job, _ = await store.create_job(job_for(clock))

    assert await store.get_job_for_user("user-1", job.id) == job
    assert await store.get_job_for_user("intruder", job.id) is None


async def test_campaign_jobs_are_listed_for_their_owner(store: Store, clock: ManualClock) -> None:
    campaign = await store.create_campaign("user-1", name="c", search_type=SearchType.SIMILAR)
    job, _ = await store.create_job(
        NewJob(
            user_id="user-1",
            kind=JobKind.INSTAGRAM_SIMILAR,
            timeout_at=clock.now() + timedelta(minutes=5),
            target_results=20,
            campaign_id=campaign.id,
            target_username="someone",
        )
    )

    assert [j.id for j in await store.list_campaign_jobs("user-1", campaign.id)] == [job.id]
    assert await store.list_campaign_jobs("bob", campaign.id) == []


async def test_mark_status_only_moves_active_jobs(store: Store, clock: ManualClock) -> None:
    job, _ = await store.create_job(job_for(clock))

    assert await store.mark_status(job.id, JobStatus.ERROR, error="could not queue the job")
    assert not await store.mark_status(job.id, JobStatus.COMPLETED)

    after = await store.get_job(job.id)
    assert after is not None
    assert (after.status, after.error) == (JobStatus.ERROR, "could not queue the job")


async def test_an_overdue_job_times_out_once(store: Store, clock: ManualClock) -> None:
    job, _ = await store.create_job(job_for(clock))
    assert not await store.expire_if_overdue(job.id, error="late")
    assert await store.find_overdue() == []

    clock.advance(3600)

    assert [j.id for j in await store.find_overdue()] == [job.id]
    assert await store.expire_if_overdue(job.id, error="Job exceeded maximum allowed time")
    assert not await store.expire_if_overdue(job.id, error="again")
    after = await store.get_job(job.id)
    assert after is not None
    assert (after.status, after.error) == (JobStatus.TIMEOUT, "Job exceeded maximum allowed time")


async def test_stalled_jobs_are_found_after_the_idle_time(store: Store, clock: ManualClock) -> None:
    job, _ = await store.create_job(job_for(clock))
    await store.commit_step(job.id, 0, updates=StepChanges(status=JobStatus.PROCESSING))
    clock.advance(299)
    assert await store.find_stalled(timedelta(minutes=5)) == []

    clock.advance(1)
    assert [j.id for j in await store.find_stalled(timedelta(minutes=5))] == [job.id]

    assert await store.touch(job.id, 1)
    assert await store.find_stalled(timedelta(minutes=5)) == []


async def test_a_never_started_job_is_stalled_too_but_a_final_one_never(
    store: Store, clock: ManualClock
) -> None:
    # A job whose first message was lost stays pending; the sweeper must still revive it.
    pending, _ = await store.create_job(job_for(clock))
    failed, _ = await store.create_job(job_for(clock))
    assert await store.mark_status(failed.id, JobStatus.ERROR, error="gave up")
    clock.advance(300)

    assert [j.id for j in await store.find_stalled(timedelta(minutes=5))] == [pending.id]


async def test_the_message_id_is_kept(store: Store, clock: ManualClock) -> None:
    job, _ = await store.create_job(job_for(clock))
    await store.set_message_id(job.id, "msg_123")

    after = await store.get_job(job.id)
    assert after is not None
    assert after.qstash_message_id == "msg_123"


async def test_config_values_are_upserted(store: Store, clock: ManualClock) -> None:
    await store.put_configs(
        [NewConfig("timeouts", "standard_job_timeout", "60m", "duration", description=None)]
    )
    clock.advance(10)
    await store.put_configs(
        [
            NewConfig("timeouts", "standard_job_timeout", "30m", "duration", "shorter"),
            NewConfig("limits", "max_keywords", "3", "number", description=None),
        ]
    )

    rows = await store.config_rows()
    assert [(r.category, r.key, r.value, r.description) for r in rows] == [
        ("limits", "max_keywords", "3", None),
        ("timeouts", "standard_job_timeout", "30m", "shorter"),
    ]
    assert [r.updated_at for r in rows] == [clock.now(), clock.now()]


async def test_config_values_are_stored_all_or_none(store: Store) -> None:
    good = NewConfig("limits", "max_keywords", "3", "number", description=None)
    # A NOT NULL column left empty: the database refuses the second row.
    bad = NewConfig("limits", "max_keyword_length", cast(str, None), "number", description=None)

    with pytest.raises(IntegrityError):
        await store.put_configs([good, bad])

    assert await store.config_rows() == []


async def test_concurrent_requests_with_one_idempotency_key_make_one_job(
    store: Store, clock: ManualClock
) -> None:
    outcomes = await asyncio.gather(
        *(store.create_job(job_for(clock, key="same")) for _ in range(4))
    )

    assert len({job.id for job, _ in outcomes}) == 1
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
