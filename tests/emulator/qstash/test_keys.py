"""Signing keys: the dev server's pair by default, rotation, and deliveries signed with current."""

from __future__ import annotations

import asyncio

import pytest
from qstash import AsyncQStash, QStash, Receiver
from qstash.errors import SignatureError

from emulator.qstash.config import DEFAULT_CURRENT_KEY, DEFAULT_NEXT_KEY
from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, verify


async def test_default_keys_are_the_dev_servers(client: AsyncQStash) -> None:
    keys = await client.signing_key.get()
    assert (keys.current, keys.next) == (DEFAULT_CURRENT_KEY, DEFAULT_NEXT_KEY)


async def test_rotate_moves_next_to_current_and_signs_with_the_new_current(
    emu: RunningEmulator, sink: Sink, sync_client: QStash, client: AsyncQStash
) -> None:
    rotated = await asyncio.to_thread(sync_client.signing_key.rotate)
    assert rotated.current == DEFAULT_NEXT_KEY
    assert rotated.next.startswith("sig_")
    assert rotated.next not in {DEFAULT_CURRENT_KEY, DEFAULT_NEXT_KEY}
    assert (await client.signing_key.get()).current == DEFAULT_NEXT_KEY
    await client.message.publish(url=sink.url(), body="signed")
    await emu.drain()
    [got] = sink.received
    verify(emu, got)
    # A receiver that only knows the old current key (as both keys) must reject it.
    stale = Receiver(DEFAULT_CURRENT_KEY, DEFAULT_CURRENT_KEY)
    with pytest.raises(SignatureError):
        stale.verify(signature=got.headers["Upstash-Signature"], body="signed", url=got.url)
