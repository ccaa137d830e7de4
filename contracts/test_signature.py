"""Signature contracts: deliveries are signed as QStash signs them; forgeries change nothing."""

from __future__ import annotations

import jwt
import pytest

from contracts.targets import Target, publish


@pytest.mark.verified_real
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
