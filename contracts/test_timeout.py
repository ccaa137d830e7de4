"""Timeout contracts: delays are honoured, overdue jobs time out, timed-out jobs stay put."""

from __future__ import annotations

import pytest

from contracts.targets import Target


@pytest.mark.verified_real
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
