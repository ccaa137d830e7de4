"""Step leases: one run at a time per step, released, taken over when stale, broken on revival."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from service.clock import ManualClock
from service.store import StepChanges, Store
from tests.service.store.test_steps import creators, new_job

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


# --- short leases renewed by the step's heartbeat ---------------------------------------------

SHORT = timedelta(seconds=15)


async def test_a_claim_records_when_its_lease_ends(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)

    claimed = await store.claim_step(job.id, 0, "run", lease=SHORT)

    assert claimed is not None
    assert claimed.lease_expires_at == clock.now() + SHORT


async def test_a_renewed_lease_outlives_its_first_term(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "alive", lease=SHORT)

    clock.advance(10)
    assert await store.renew_lease(job.id, 0, "alive", lease=SHORT)
    clock.advance(10)  # 20 s after the claim: the first term is over, the renewed one is not

    assert not await store.claim_step(job.id, 0, "duplicate", lease=SHORT)
    held = await store.get_job(job.id)
    assert held is not None
    assert (held.run_id, held.lease_expires_at) == ("0:alive", clock.now() + timedelta(seconds=5))


async def test_a_lease_taken_over_is_never_renewed_for_its_old_holder(
    store: Store, clock: ManualClock
) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "killed", lease=SHORT)
    clock.advance(15)
    assert await store.claim_step(job.id, 0, "redelivery", lease=SHORT)
    clock.advance(1)

    assert not await store.renew_lease(job.id, 0, "killed", lease=SHORT)

    held = await store.get_job(job.id)
    assert held is not None
    assert (held.run_id, held.lease_expires_at) == (
        "0:redelivery",
        clock.now() + SHORT - timedelta(seconds=1),
    )


async def test_a_lease_is_not_renewed_once_its_step_is_over(
    store: Store, clock: ManualClock
) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "run", lease=SHORT)
    assert await store.commit_step(job.id, 0, token="run")

    assert not await store.renew_lease(job.id, 0, "run", lease=SHORT)
    committed = await store.get_job(job.id)
    assert committed is not None
    assert (committed.step, committed.run_id, committed.lease_expires_at) == (1, None, None)


async def test_a_run_that_lost_its_lease_cannot_commit(store: Store, clock: ManualClock) -> None:
    job = await new_job(store, clock)
    assert await store.claim_step(job.id, 0, "killed", lease=SHORT)
    clock.advance(15)
    assert await store.claim_step(job.id, 0, "takeover", lease=SHORT)

    assert not await store.commit_step(job.id, 0, creators=creators("a", "b"), token="killed")
    assert await store.commit_step(job.id, 0, creators=creators("b", "c"), token="takeover")

    committed = await store.get_job(job.id)
    assert committed is not None
    assert (committed.step, committed.processed_results) == (1, 2)
    assert [c["handle"] for c in await store.list_results(job.id)] == ["b", "c"]
