"""The sweeper: revives stalled jobs, times out overdue ones, and is scheduled at start."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from qstash import AsyncQStash

from service.clock import ManualClock
from service.enums import JobStatus
from service.publisher import close_qstash
from service.store import Store
from service.sweep import SCHEDULE_ID
from tests.service.conftest import service_stack
from tests.service.pipeline import Pipeline, pipeline

SWEEP = "/api/qstash/sweep"


async def stuck_job(p: Pipeline) -> UUID:
    """An Instagram job whose first delivery QStash holds back for an hour: it looks stuck."""
    await p.configure(timeouts__instagram_job_timeout="60m")
    await p.stack.emulator.fault("process-scraping", "delay", delay="1h")
    return await p.start("instagram", username="claybyjune")


async def test_a_stalled_job_is_requeued_and_completes(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        job_id = await stuck_job(p)
        await p.stack.emulator.drain()
        clock.advance(4 * 60)
        assert (await (await p.post_signed(SWEEP, {})).json()) == {"timedOut": 0, "requeued": 0}

        clock.advance(60)
        response = await p.post_signed(SWEEP, {})
        await p.stack.emulator.drain()

        assert (await response.json()) == {"timedOut": 0, "requeued": 1}
        job = await p.job(job_id)
        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 5)
        await p.stack.emulator.run_until_idle()  # the held-back original finds nothing to do
        assert await p.job(job_id) == job


async def test_a_stalled_job_whose_run_died_holding_its_lease_is_revived(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        job_id = await stuck_job(p)
        assert await p.store.claim_step(job_id, 0, "crashed-run", lease=timedelta(hours=1))
        clock.advance(5 * 60)

        await p.post_signed(SWEEP, {})
        await p.stack.emulator.drain()

        assert (await p.job(job_id)).status is JobStatus.COMPLETED


async def test_an_overdue_job_is_timed_out_by_the_sweep(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock) as p:
        await p.stack.emulator.fault("process-scraping", "delay", delay="2h")
        job_id = await p.start("tiktok", keywords=["home baking"], targetResults=100)
        clock.advance(60 * 60)

        response = await p.post_signed(SWEEP, {})

        assert (await response.json()) == {"timedOut": 1, "requeued": 0}
        job = await p.job(job_id)
        assert (job.status, job.error) == (JobStatus.TIMEOUT, "Job exceeded maximum allowed time")


async def test_an_unsigned_sweep_is_401(sqlite_store: Store, clock: ManualClock) -> None:
    async with pipeline(sqlite_store, clock) as p:
        response = await p.stack.client.post(SWEEP, json={})

        assert response.status == 401


async def test_the_service_registers_its_sweep_schedule_at_start(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, SWEEP_SCHEDULE="true") as p:
        emulator = p.stack.emulator
        client = AsyncQStash(emulator.token, base_url=emulator.url, retry=False)
        try:
            schedule = await client.schedule.get(SCHEDULE_ID)
        finally:
            await close_qstash(client)

        assert schedule.destination == p.url(SWEEP)
        assert schedule.cron == "* * * * *"
        await emulator.advance(60)
        swept = [d for d in emulator.deliveries() if d["url"].endswith(SWEEP)]
        assert [d["status"] for d in swept] == [200]


async def test_a_refused_schedule_does_not_stop_the_service(
    sqlite_store: Store, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    # The SDK client's token is wrong: QStash refuses every call, including the schedule.
    async with service_stack(
        sqlite_store, clock, publish_token="wrong", SWEEP_SCHEDULE="true"
    ) as s:
        response = await s.client.get("/api/campaigns", headers=s.auth())

        assert response.status == 200
    assert "sweep_schedule_failed" in [record.getMessage() for record in caplog.records]
