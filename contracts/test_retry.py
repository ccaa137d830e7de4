"""Retry contracts: QStash retries with backoff, then DLQ and a failure callback; jobs cope."""

from __future__ import annotations

import base64
import itertools
import json
import math

import pytest

from contracts.scenarios import FAILURES, SCENARIOS, Scenario, check_outcome, follow, start
from contracts.targets import Target, publish
from service.qstash.publisher import STEP_RETRIES

# QStash docs, features/retry: the n-th retry waits min(86400, e^(2.5·n)) seconds.
BACKOFF = [min(86400.0, math.exp(2.5 * n)) for n in (1, 2, 3)]
STEP_ATTEMPTS = STEP_RETRIES + 1  # the service publishes each step with this many retries


@pytest.mark.emulator_only
async def test_a_failing_destination_is_retried_with_growing_retried_and_the_backoff(
    target: Target,
) -> None:
    async with target.receiver() as inbox, target.publisher() as qstash:
        inbox.answer("/flaky", 500, 503, 500)
        await qstash.message.publish_json(url=inbox.url("/flaky"), body={"n": 1}, retries=3)
        await target.until(lambda: len(inbox.at("/flaky")) == 4, within=sum(BACKOFF) + 60)

    arrivals = inbox.at("/flaky")
    assert [a.retried for a in arrivals] == [0, 1, 2, 3]
    assert all(a.verified for a in arrivals), [a.reason for a in arrivals]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(arrivals)]
    for gap, expected in zip(gaps, BACKOFF, strict=True):
        assert gap == pytest.approx(expected, abs=1.0)


@pytest.mark.emulator_only
@pytest.mark.runs_on_real
async def test_exhausted_retries_land_in_the_dlq_and_call_the_failure_callback(
    target: Target,
) -> None:
    async with target.receiver() as inbox, target.publisher() as qstash:
        inbox.answer("/broken", 500, 500)
        message_id = await publish(
            qstash,
            url=inbox.url("/broken"),
            body={"job": "doomed"},
            retries=1,
            failure_callback=inbox.url("/failed"),
        )
        await target.until(lambda: len(inbox.at("/failed")) == 1, within=BACKOFF[0] + 60)

        assert [a.retried for a in inbox.at("/broken")] == [0, 1]
        callback = inbox.at("/failed")[0]
        assert callback.verified, callback.reason
        payload = json.loads(callback.body)
        assert payload["sourceMessageId"] == message_id
        assert payload["status"] == 500
        assert json.loads(base64.b64decode(payload["sourceBody"])) == {"job": "doomed"}

        dlq = await qstash.dlq.list(filter={"message_id": message_id})
        entries = dlq.messages
        assert [m.dlq_id for m in entries] == [payload["dlqId"]]
        await qstash.dlq.delete(payload["dlqId"])


@pytest.mark.emulator_only
async def test_a_webhook_failing_every_attempt_ends_in_the_dlq_and_the_job_in_error(
    target: Target,
) -> None:
    emulator = target.needs_emulator("making the webhook fail")
    await target.needs_replay("instagram_similar")
    service = target.needs_service()
    # Retries span half an hour: keep the deadline and the sweeper's revival out of the way.
    await service.configure(
        {"timeouts.instagram_job_timeout": "2h", "timeouts.stalled_job_after": "2h"}
    )
    await emulator.fault(target.webhook_url, "status", count=STEP_ATTEMPTS, status=503)
    job_id = await service.create_job("instagram", {"username": "claybyjune"})

    await target.advance(sum(BACKOFF) + 60)

    attempts = await emulator.deliveries(target.webhook_url)
    assert [a["retried"] for a in attempts] == list(range(STEP_ATTEMPTS))
    assert {a["status"] for a in attempts} == {503}
    gaps = [(b["time"] - a["time"]) / 1000 for a, b in itertools.pairwise(attempts)]
    for gap, expected in zip(gaps, BACKOFF, strict=True):
        assert gap == pytest.approx(expected, abs=1.0)

    callbacks = await emulator.deliveries(f"{target.service_url}/api/qstash/failure")
    assert [c["status"] for c in callbacks] == [200]
    status = await service.status("instagram", job_id)
    assert status["status"] == "error"
    assert "503" in (status["error"] or ""), status["error"]
    assert len(await target.unplayed()) == 1  # no step ever ran


@pytest.mark.emulator_only
async def test_a_service_answering_500_is_retried_with_the_backoff_and_the_job_completes(
    target: Target,
) -> None:
    # The service itself fails (its database is away), not a fault injected in QStash: the
    # requests really reach the webhook and the 500s are the service's own answers.
    failures = 2
    emulator = target.needs_emulator("reading the delivery transcript")
    database = target.needs_database("taking the service's database away")
    scenario = SCENARIOS[0]
    database.fail_next_steps(failures)
    service, job_id = await start(target, scenario)
    final = (await follow(target, service, scenario.route, job_id))[-1]

    first_step = (await emulator.deliveries(target.webhook_url))[: failures + 1]
    assert len({a["messageId"] for a in first_step}) == 1  # one message, retried
    assert [a["retried"] for a in first_step] == list(range(failures + 1))
    assert [a["status"] for a in first_step] == [500] * failures + [200]
    assert all(a["fault"] is None for a in first_step)
    gaps = [(b["time"] - a["time"]) / 1000 for a, b in itertools.pairwise(first_step)]
    for gap, expected in zip(gaps, BACKOFF[:failures], strict=True):
        assert gap == pytest.approx(expected, abs=1.0)
    assert database.failures_left == 0
    check_outcome(final, scenario)
    assert await target.unplayed() == []


@pytest.mark.emulator_only
@pytest.mark.parametrize("scenario", FAILURES, ids=lambda s: s.id)
async def test_scrapecreators_failures_are_retried_or_fail_the_job_as_recorded(
    target: Target, scenario: Scenario
) -> None:
    service, job_id = await start(target, scenario)
    final = (await follow(target, service, scenario.route, job_id))[-1]
    check_outcome(final, scenario)
    assert await target.unplayed() == []


@pytest.mark.emulator_only
async def test_duplicate_deliveries_change_nothing(target: Target) -> None:
    emulator = target.needs_emulator("duplicating deliveries")
    scenario = SCENARIOS[0]
    await emulator.fault(target.webhook_url, "duplicate", count=100)
    service, job_id = await start(target, scenario)
    final = (await follow(target, service, scenario.route, job_id))[-1]

    steps = await emulator.deliveries(target.webhook_url)
    assert len(steps) >= 2 * final["processedRuns"]  # every step really arrived twice
    check_outcome(final, scenario)
    # The replay is strict: one extra ScrapeCreators call would have had no recording to play.
    assert await target.unplayed() == []
