"""Retry contracts: QStash retries with backoff, then DLQ and a failure callback; jobs cope."""

from __future__ import annotations

import base64
import itertools
import json
import math

import pytest

from contracts.targets import Target, publish

# Reference §5.2: the n-th retry waits min(86400, e^(2.5·n)) seconds.
BACKOFF = [min(86400.0, math.exp(2.5 * n)) for n in (1, 2, 3)]


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


@pytest.mark.verified_real
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

        dlq = await qstash.dlq.list(count=100)
        entries = [m for m in dlq.messages if m.message_id == message_id]
        assert [m.dlq_id for m in entries] == [payload["dlqId"]]
        await qstash.dlq.delete(payload["dlqId"])
