"""Which key signs a delivery: the current one, before and after a rotation, never the next."""

from __future__ import annotations

import asyncio

import pytest
from qstash import AsyncQStash, QStash, Receiver
from qstash.errors import SignatureError

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Received, Sink


def check(key: str, request: Received) -> None:
    """Verify with a receiver that knows `key` alone (the SDK's Receiver falls back to its
    second key, so one holding both keys cannot tell which of them signed)."""
    Receiver(key, key).verify(
        signature=request.headers["Upstash-Signature"], body=request.body.decode(), url=request.url
    )


async def delivered(emu: RunningEmulator, client: AsyncQStash, sink: Sink, body: str) -> Received:
    await client.message.publish(url=sink.url(), body=body)
    await emu.drain()
    return sink.received[-1]


async def test_a_delivery_is_signed_with_the_current_key_not_the_next(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    keys = await client.signing_key.get()

    got = await delivered(emu, client, sink, "first")

    check(keys.current, got)
    with pytest.raises(SignatureError, match="Signature verification failed"):
        check(keys.next, got)


async def test_after_a_rotation_deliveries_are_signed_with_the_new_current_key(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, sync_client: QStash
) -> None:
    before = await client.signing_key.get()
    after = await asyncio.to_thread(sync_client.signing_key.rotate)

    got = await delivered(emu, client, sink, "rotated")

    check(after.current, got)
    assert after.current == before.next
    for retired_or_upcoming in (before.current, after.next):
        with pytest.raises(SignatureError, match="Signature verification failed"):
            check(retired_or_upcoming, got)
