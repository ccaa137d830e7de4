"""Signature contracts: deliveries are signed as QStash signs them; forgeries change nothing."""

from __future__ import annotations

import json

import jwt
import pytest

from contracts.forgery import forgeries, sign
from contracts.scenarios import SCENARIOS, check_outcome, follow, start
from contracts.targets import Target, publish


@pytest.mark.emulator_only
@pytest.mark.runs_on_real
async def test_deliveries_are_signed_for_the_exact_url_and_body(target: Target) -> None:
    async with target.receiver() as inbox, target.publisher() as qstash:
        url = inbox.url("/signed?tenant=a%20b")
        message_id = await publish(qstash, url=url, body={"hello": "world"}, retries=0)
        await target.until(lambda: len(inbox.at("/signed")) == 1, within=30)

    arrival = inbox.at("/signed")[0]
    assert arrival.verified, arrival.reason
    assert arrival.headers["Upstash-Message-Id"] == message_id
    assert arrival.headers["User-Agent"] == "Upstash-QStash"
    assert arrival.retried == 0
    claims = jwt.decode(arrival.headers["Upstash-Signature"], options={"verify_signature": False})
    assert claims["iss"] == "Upstash"
    assert claims["sub"] == url
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.emulator_only
async def test_receivers_keep_the_old_pair_across_one_rotation_but_not_two(
    target: Target,
) -> None:
    target.needs_disposable("rotating the signing keys")
    emulator = target.needs_emulator("rotating the signing keys")
    old_pair = (target.qstash.current_key, target.qstash.next_key)
    async with target.receiver(keys=old_pair) as inbox, target.publisher() as qstash:
        new_current, _ = await emulator.rotate_keys()
        assert new_current == old_pair[1]  # current ← next, as QStash rotates
        await qstash.message.publish_json(url=inbox.url("/once"), body={"n": 1}, retries=0)
        await target.until(lambda: len(inbox.at("/once")) == 1, within=30)

        await emulator.rotate_keys()
        await qstash.message.publish_json(url=inbox.url("/twice"), body={"n": 2}, retries=0)
        await target.until(lambda: len(inbox.at("/twice")) == 1, within=30)

    assert inbox.at("/once")[0].verified, inbox.at("/once")[0].reason
    assert not inbox.at("/twice")[0].verified  # both keys of the old pair are now retired


@pytest.mark.emulator_only
async def test_refused_deliveries_change_nothing(target: Target) -> None:
    scenario = SCENARIOS[2]  # Instagram similar: one step
    service, job_id = await start(target, scenario, exact=False)
    final = (await follow(target, service, scenario.route, job_id))[-1]
    refused = [(job_id, 1)]
    if target.virtual_service_time:  # a job nothing has been delivered to yet stays that way
        pending = await service.create_job(scenario.route, scenario.body)
        untouched = await service.status(scenario.route, pending)
        refused.append((pending, 0))

    for job, step in refused:
        body = json.dumps({"jobId": job, "step": step}).encode()
        for name, (sent, headers) in forgeries(
            target.qstash.current_key, target.webhook_url, body
        ).items():
            async with target.http.post(target.webhook_url, data=sent, headers=headers) as answer:
                assert answer.status == 401, f"{name}: {answer.status} {await answer.text()}"

    assert await service.status(scenario.route, job_id) == final
    if len(refused) > 1:
        assert await service.status(scenario.route, pending) == untouched

    # The same delivery, genuinely signed, is accepted (and, for a finished job, ignored).
    body = json.dumps({"jobId": job_id, "step": 1}).encode()
    token = sign(target.qstash.current_key, target.webhook_url, body)
    headers = {"Upstash-Signature": token, "Content-Type": "application/json"}
    async with target.http.post(target.webhook_url, data=body, headers=headers) as answer:
        assert answer.status == 200, await answer.text()
    assert await service.status(scenario.route, job_id) == final


@pytest.mark.emulator_only
async def test_the_service_keeps_working_across_a_key_rotation(target: Target) -> None:
    target.needs_disposable("rotating the signing keys")
    emulator = target.needs_emulator("rotating the signing keys")
    await emulator.rotate_keys()  # the service still holds the old (current, next) pair
    scenario = SCENARIOS[0]
    service, job_id = await start(target, scenario)
    final = (await follow(target, service, scenario.route, job_id))[-1]
    check_outcome(final, scenario)
