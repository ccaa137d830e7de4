"""The sweeper: revives stalled jobs, times out overdue ones, deletes expired finished ones."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from qstash import AsyncQStash

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.qstash import sweep
from service.qstash.publisher import close_qstash
from service.qstash.sweep import SCHEDULE_ID
from service.store import Store
from tests.service.conftest import service_stack
from tests.service.pipeline import Pipeline, pipeline
from tests.service.store.test_cleanup import finished_job

SWEEP = "/api/qstash/sweep"
NOTHING = {"timedOut": 0, "requeued": 0, "deleted": 0, "published": 0}
DAY = 86400


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
        assert (await (await p.post_signed(SWEEP, {})).json()) == NOTHING

        clock.advance(60)
        response = await p.post_signed(SWEEP, {})
        await p.stack.emulator.drain()

        assert (await response.json()) == {**NOTHING, "requeued": 1}
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

        assert (await response.json()) == {**NOTHING, "timedOut": 1}
        job = await p.job(job_id)
        assert (job.status, job.error) == (JobStatus.TIMEOUT, "Job exceeded maximum allowed time")


async def test_finished_jobs_are_deleted_after_their_retention(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock) as p:
        await p.configure(cleanup__error_jobs_retention_days=0)  # 0: kept forever
        done = await finished_job(p.store, clock, JobStatus.COMPLETED, results=2)
        failed = await finished_job(p.store, clock, JobStatus.ERROR)
        timed_out = await finished_job(p.store, clock, JobStatus.TIMEOUT)

        clock.advance(7 * DAY)
        at_7_days = await (await p.post_signed(SWEEP, {})).json()
        clock.advance(1)
        after_7_days = await (await p.post_signed(SWEEP, {})).json()
        clock.advance(23 * DAY)
        after_30_days = await (await p.post_signed(SWEEP, {})).json()
        clock.advance(3000 * DAY)
        much_later = await (await p.post_signed(SWEEP, {})).json()
        metrics = await (await p.stack.client.get("/metrics")).text()

        assert [at_7_days, after_7_days, after_30_days, much_later] == [
            NOTHING,
            {**NOTHING, "deleted": 1},
            {**NOTHING, "deleted": 1},
            NOTHING,
        ]
        assert (await p.store.get_job(timed_out), await p.store.get_job(done)) == (None, None)
        assert await p.store.count_results(done) == 0
        assert (await p.job(failed)).status is JobStatus.ERROR
        assert 'scout_jobs_deleted_total{status="timeout"} 1.0' in metrics
        assert 'scout_jobs_deleted_total{status="completed"} 1.0' in metrics


async def test_one_sweep_deletes_a_bounded_batch(
    sqlite_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "DELETE_BATCH", 2)
    async with pipeline(sqlite_store, clock) as p:
        for _ in range(3):
            await finished_job(p.store, clock, JobStatus.ERROR)
        clock.advance(8 * DAY)

        counts = [(await (await p.post_signed(SWEEP, {})).json())["deleted"] for _ in range(3)]

        assert counts == [2, 1, 0]


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
