"""Timeout contracts: delays are honoured, overdue jobs time out, timed-out jobs stay put."""

from __future__ import annotations

import itertools

import pytest

from contracts.scenarios import SCENARIOS, follow, start
from contracts.targets import Target
from scout.api_client import ServiceClient
from service.qstash.sweep import SCHEDULE_ID


@pytest.mark.emulator_only
@pytest.mark.runs_on_real
@pytest.mark.timeout(180)  # on real QStash the 90 s delay is waited out in real time
@pytest.mark.parametrize("delay", [3, 90])
async def test_a_delayed_delivery_arrives_no_earlier_than_asked(target: Target, delay: int) -> None:
    async with target.receiver() as inbox, target.publisher() as qstash:
        asked_at = target.now()
        await qstash.message.publish_json(
            url=inbox.url("/delayed"), body={"delay": delay}, delay=delay, retries=0
        )
        # Nothing may arrive before the delay, however busy the moment is.
        await target.settle()
        assert inbox.at("/delayed") == []

        await target.until(lambda: len(inbox.at("/delayed")) == 1, within=delay + 5)

    arrival = inbox.at("/delayed")[0]
    assert arrival.verified, arrival.reason
    assert arrival.at >= asked_at + delay


@pytest.mark.emulator_only
async def test_steps_of_a_job_arrive_no_earlier_than_the_configured_delay(target: Target) -> None:
    scenario = SCENARIOS[0]  # TikTok keyword: three searches, two continuation delays
    service, job_id = await start(target, scenario)
    await service.configure({"qstash_delays.tiktok_continuation_delay": "7s"})
    await follow(target, service, scenario.route, job_id)

    emulator = target.needs_emulator("reading the delivery transcript")
    steps = [d for d in await emulator.deliveries(target.webhook_url) if d["status"] == 200]
    assert len(steps) == 3
    gaps = [(b["time"] - a["time"]) / 1000 for a, b in itertools.pairwise(steps)]
    assert all(gap >= 7 for gap in gaps), gaps


async def _stranded_job(target: Target, *, sweep: bool) -> tuple[ServiceClient, str, str]:
    """An Instagram job (2-minute deadline) whose first step QStash holds back for two hours."""
    target.needs_service_time()
    emulator = target.needs_emulator("holding a delivery back")
    await target.needs_replay("instagram_similar")
    service = target.needs_service()
    await service.configure(
        {"timeouts.instagram_job_timeout": "120s", "timeouts.stalled_job_after": "1h"}
    )
    if not sweep:
        async with target.publisher() as qstash:
            await qstash.schedule.delete(SCHEDULE_ID)
    await emulator.fault(target.webhook_url, "delay", delay="2h")
    campaign = await service.campaign()
    job_id = await service.create_job("instagram", {"username": "claybyjune"}, campaign=campaign)
    return service, campaign, job_id


async def _late_delivery_changes_nothing(
    target: Target, service: ServiceClient, job_id: str
) -> None:
    before = await service.status("instagram", job_id)
    await target.advance(2 * 3600)  # the held-back step finally arrives
    emulator = target.needs_emulator("reading the delivery transcript")
    arrived = [d for d in await emulator.deliveries(target.webhook_url) if d["status"]]
    assert [d["status"] for d in arrived] == [200]  # acknowledged, so never retried
    assert await service.status("instagram", job_id) == before
    assert len(await target.unplayed()) == 1  # ScrapeCreators was never called


@pytest.mark.emulator_only
async def test_an_overdue_job_times_out_when_polled_and_ignores_late_steps(target: Target) -> None:
    service, _, job_id = await _stranded_job(target, sweep=False)
    await target.advance(119)
    assert (await service.status("instagram", job_id))["status"] == "pending"

    await target.advance(2)
    status = await service.status("instagram", job_id)
    assert status["status"] == "timeout"
    assert status["error"] == "Job exceeded maximum allowed time"
    await _late_delivery_changes_nothing(target, service, job_id)


@pytest.mark.emulator_only
async def test_an_overdue_job_times_out_when_swept_and_ignores_late_steps(target: Target) -> None:
    service, campaign, job_id = await _stranded_job(target, sweep=True)
    await target.advance(121 + 60)  # past the deadline, and a sweep tick after it

    # The campaign view reads jobs as stored: only the sweeper can have timed this one out.
    [job] = await service.campaign_jobs(campaign)
    assert job["status"] == "timeout"
    await _late_delivery_changes_nothing(target, service, job_id)
