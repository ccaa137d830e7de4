"""Step leases: one run at a time per step, released, taken over when stale, broken on revival."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from service.clock import ManualClock
from service.store import StepChanges, Store
from tests.service.store.test_steps import new_job

LEASE = timedelta(minutes=5)


async def test_a_held_lease_keeps_a_second_run_out(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    clock.advance(1)

    claimed = await store.claim_step(job.id, 0, "first", lease=LEASE)
    assert claimed is not None
    assert (claimed.id, claimed.step, claimed.run_id) == (job.id, 0, "0:first")
    assert claimed.updated_at == clock.now()
    assert not await store.claim_step(job.id, 0, "second", lease=LEASE)


async def test_only_one_of_two_concurrent_claims_wins(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)

    won = await asyncio.gather(
        store.claim_step(job.id, 0, "a", lease=LEASE), store.claim_step(job.id, 0, "b", lease=LEASE)
    )

    assert sorted(claimed is not None for claimed in won) == [False, True]


async def test_a_released_lease_can_be_claimed_again(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "first", lease=LEASE)

    await store.release_step(job.id, 0, "someone-else")
    assert not await store.claim_step(job.id, 0, "second", lease=LEASE)
    await store.release_step(job.id, 0, "first")
    assert await store.claim_step(job.id, 0, "second", lease=LEASE)


async def test_a_lease_expires_after_silence(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "crashed", lease=LEASE)

    clock.advance(LEASE.total_seconds() - 1)
    assert not await store.claim_step(job.id, 0, "next", lease=LEASE)
    clock.advance(1)
    assert await store.claim_step(job.id, 0, "next", lease=LEASE)


async def test_a_lease_on_a_committed_step_does_not_block_the_next(
    store: Store, clock: ManualClock
) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "first", lease=LEASE)
    assert await store.commit_step(job.id, 0, updates=StepChanges(add_runs=1))

    assert not await store.claim_step(job.id, 0, "late", lease=LEASE)  # step 0 is over
    assert await store.claim_step(job.id, 1, "next", lease=LEASE)


async def test_breaking_a_lease_frees_the_step(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "stuck", lease=LEASE)

    await store.break_lease(job.id, 0)

    assert await store.claim_step(job.id, 0, "revived", lease=LEASE)
