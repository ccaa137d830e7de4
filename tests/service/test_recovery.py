"""Recovery in seconds: busy steps come back when their lease ends; next steps are never lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from qstash import AsyncQStash

from service.clock import ManualClock
from service.jobs import lifecycle
from service.jobs.enums import JobStatus
from service.jobs.policy import STEP_LEASE
from service.keys import PARTS
from service.qstash.publisher import STEP_RETRIES, close_qstash
from service.store import KeyedCreator, StepChanges, Store
from service.store.outbox import OutboxEntry
from tests.service.pipeline import (
    BAKING,
    BAKING_HANDLES,
    WEBHOOK,
    Pipeline,
    pipeline,
    step_deliveries,
)


@asynccontextmanager
async def qstash_away(p: Pipeline, refused_url: str) -> AsyncIterator[None]:
    """The service's publishes fail (QStash unreachable) inside the block; deliveries go on."""
    publisher = p.stack.app[PARTS].publisher
    working = publisher._client
    away = AsyncQStash(p.stack.emulator.token, base_url=refused_url, retry=False)
    publisher._client = away
    try:
        yield
    finally:
        publisher._client = working
        await close_qstash(away)


class GatedStore(Store):
    """The store, with a step's commit held until the test opens the gate, and renewals seen."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.engine, store._clock)
        self.gate = asyncio.Event()
        self.at_commit = asyncio.Event()
        self.renewed = asyncio.Event()
        self.renewals: list[bool] = []

    async def commit_step(
        self,
        job_id: UUID,
        expected_step: int,
        *,
        creators: Sequence[KeyedCreator] = (),
        updates: StepChanges | None = None,
        token: str | None = None,
        next_step: OutboxEntry | None = None,
    ) -> bool:
        self.at_commit.set()
        await self.gate.wait()
        return await super().commit_step(
            job_id,
            expected_step,
            creators=creators,
            updates=updates,
            token=token,
            next_step=next_step,
        )

    async def renew_lease(self, job_id: UUID, step: int, token: str, *, lease: timedelta) -> bool:
        held = await super().renew_lease(job_id, step, token, lease=lease)
        self.renewals.append(held)
        self.renewed.set()
        return held


def heartbeats() -> list[asyncio.Task[Any]]:
    """The heartbeat tasks alive now (one per running step)."""
    return [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") == "Lifecycle._renew"
    ]


# --- item 1: a busy step is answered "later", not dropped -------------------------------------


async def test_a_step_held_by_a_killed_run_is_redelivered_when_its_lease_ends(
    store: Store, clock: ManualClock
) -> None:
    async with pipeline(store, clock, ["tiktok_keyword"]) as p:
        job_id = await p.start("tiktok", **BAKING)
        # A run took the step and was killed: nobody will renew or release its lease.
        assert await p.store.claim_step(job_id, 0, "killed-run", lease=STEP_LEASE)

        await p.stack.emulator.drain()
        clock.advance(STEP_LEASE.total_seconds())
        await p.stack.emulator.advance(STEP_LEASE.total_seconds())
        await p.stack.emulator.run_until_idle()

        job = await p.job(job_id)
        assert (job.status, await p.handles(job_id)) == (JobStatus.COMPLETED, BAKING_HANDLES)
        assert step_deliveries(p)[:2] == [(0, 409), (0, 200)]
        first = p.stack.emulator.deliveries()[0]
        retry = p.stack.emulator.deliveries()[1]
        assert (retry["time"] - first["time"]) / 1000 == pytest.approx(15, abs=1)


async def test_a_busy_step_answers_409_with_retry_after_until_its_lease_ends(
    store: Store, clock: ManualClock
) -> None:
    async with pipeline(store, clock) as p:
        await p.stack.emulator.fault("process-scraping", "delay", delay="1h")
        job_id = await p.start("tiktok", **BAKING)
        assert await p.store.claim_step(job_id, 0, "other-run", lease=STEP_LEASE)
        clock.advance(6.5)

        answer = await p.post_signed(WEBHOOK, {"jobId": str(job_id), "step": 0})

        assert answer.status == 409
        assert answer.headers["Retry-After"] == "9"  # 8.5 s left, rounded up
        assert await answer.json() == {"error": "another delivery is working on this step"}
        assert (await p.job(job_id)).run_id == "0:other-run"


async def test_a_busy_step_on_the_messages_last_attempt_is_acknowledged(
    store: Store, clock: ManualClock
) -> None:
    # A last attempt answered 409 would end in the DLQ, and its failure callback would fail a
    # job that a live run is still working on.
    async with pipeline(store, clock) as p:
        await p.stack.emulator.fault("process-scraping", "delay", delay="1h")
        job_id = await p.start("tiktok", **BAKING)
        assert await p.store.claim_step(job_id, 0, "other-run", lease=STEP_LEASE)

        answer = await p.post_signed(
            WEBHOOK,
            {"jobId": str(job_id), "step": 0},
            headers={"Upstash-Retried": str(STEP_RETRIES)},
        )

        assert answer.status == 200
        assert (await answer.json())["reason"] == "another delivery is working on this step"


async def test_the_heartbeat_renews_the_lease_while_the_step_runs_and_stops_after(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lifecycle, "HEARTBEAT_EVERY", 0.01)
    gated = GatedStore(store)
    async with pipeline(gated, clock, ["instagram_similar"]) as p:
        await p.stack.emulator.fault("process-scraping", "delay", delay="1h")
        job_id = await p.start("instagram", username="claybyjune")
        delivery = asyncio.create_task(p.deliver(job_id, 0))
        await asyncio.wait_for(gated.at_commit.wait(), 10)
        clock.advance(60)  # four lease terms: only the heartbeat keeps the lease
        # Twice: a renewal already under way may have read the clock before it moved; the
        # one after it started later, so it read the moved clock.
        for _ in range(2):
            gated.renewed.clear()
            await asyncio.wait_for(gated.renewed.wait(), 10)

        running = await p.job(job_id)
        assert running.lease_expires_at == clock.now() + STEP_LEASE
        assert len(heartbeats()) == 1
        busy = await p.post_signed(WEBHOOK, {"jobId": str(job_id), "step": 0})
        assert busy.status == 409
        assert all(gated.renewals)

        gated.gate.set()
        answer = await asyncio.wait_for(delivery, 10)

        assert answer["outcome"] == "completed"
        assert heartbeats() == []
        renewals = len(gated.renewals)
        await asyncio.sleep(0.05)  # five heartbeat periods: none may come after the step
        assert len(gated.renewals) == renewals


async def test_a_run_that_lost_its_lease_mid_step_does_not_commit(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its heartbeat stalled (say the event loop was blocked) and another delivery took over.
    monkeypatch.setattr(lifecycle, "HEARTBEAT_EVERY", 3600)
    gated = GatedStore(store)
    async with pipeline(gated, clock, ["instagram_similar"]) as p:
        await p.stack.emulator.fault("process-scraping", "delay", delay="1h")
        job_id = await p.start("instagram", username="claybyjune")
        delivery = asyncio.create_task(p.deliver(job_id, 0))
        await asyncio.wait_for(gated.at_commit.wait(), 10)
        clock.advance(STEP_LEASE.total_seconds())
        assert await gated.claim_step(job_id, 0, "takeover", lease=STEP_LEASE)

        gated.gate.set()
        answer = await asyncio.wait_for(delivery, 10)

        assert (answer["outcome"], answer["reason"]) == (
            "stale",
            "another delivery took over or committed this step",
        )
        job = await p.job(job_id)
        assert (job.step, job.processed_results, job.run_id) == (0, 0, "0:takeover")
        assert await p.store.list_results(job_id) == []
        assert heartbeats() == []


# --- item 2: the next step is never lost between the commit and the publish -------------------


async def test_a_next_step_qstash_refused_is_published_by_the_steps_redelivery(
    store: Store, clock: ManualClock, refused_url: str
) -> None:
    async with pipeline(store, clock, ["tiktok_keyword"]) as p:
        job_id = await p.start("tiktok", **BAKING)
        async with qstash_away(p, refused_url):
            await p.stack.emulator.drain()

            committed = await p.job(job_id)
            assert (committed.step, committed.processed_runs) == (1, 1)
            assert [entry.step for entry in await p.store.unsent(limit=10)] == [1]

        await p.stack.emulator.advance(10)  # QStash is back: step 0 comes again, 10 s later
        await p.stack.emulator.run_until_idle()

        job = await p.job(job_id)
        assert (job.status, await p.handles(job_id)) == (JobStatus.COMPLETED, BAKING_HANDLES)
        assert await p.store.unsent(limit=10) == []
        assert step_deliveries(p) == [(0, 503), (0, 200), (1, 200), (2, 200)]
        first, again = p.stack.emulator.deliveries()[:2]
        assert (again["time"] - first["time"]) / 1000 == pytest.approx(10, abs=1)  # Retry-After


async def test_the_sweep_publishes_next_steps_left_unsent(
    store: Store, clock: ManualClock, refused_url: str
) -> None:
    async with pipeline(store, clock, ["tiktok_keyword"]) as p:
        job_id = await p.start("tiktok", **BAKING)
        async with qstash_away(p, refused_url):
            answer = await p.post_signed(WEBHOOK, {"jobId": str(job_id), "step": 0})
            assert answer.status == 503

        sweep = await (await p.post_signed("/api/qstash/sweep", {})).json()
        await p.stack.emulator.run_until_idle()

        assert sweep["published"] == 1
        assert (await p.job(job_id)).status is JobStatus.COMPLETED
        assert await p.store.unsent(limit=10) == []


async def test_a_starting_instance_publishes_next_steps_left_unsent(
    store: Store, clock: ManualClock, refused_url: str
) -> None:
    async with pipeline(store, clock, ["tiktok_keyword"], allow_unplayed=True) as crashed:
        await crashed.stack.emulator.fault("process-scraping", "delay", delay="1h")
        job_id = await crashed.start("tiktok", **BAKING)
        async with qstash_away(crashed, refused_url):
            await crashed.post_signed(WEBHOOK, {"jobId": str(job_id), "step": 0})
    assert len(await store.unsent(limit=10)) == 1

    async with pipeline(store, clock, allow_unplayed=True) as restarted:
        for _ in range(500):
            if not await store.unsent(limit=10):
                break
            await asyncio.sleep(0.01)
        await restarted.stack.emulator.advance(5)  # the step's 2 s delay is kept

        assert await store.unsent(limit=10) == []
        assert [step for step, _ in step_deliveries(restarted)][:1] == [1]
