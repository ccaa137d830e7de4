"""Deduplication by id and by content: 202 with the existing id within ten minutes."""

from __future__ import annotations

import pytest
from qstash import AsyncQStash
from qstash.errors import QStashError

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api


async def test_same_id_within_the_window_is_deduplicated(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    first = await client.message.publish(url=sink.url(), body="a", deduplication_id="job-1-step-2")
    second = await client.message.publish(url=sink.url(), body="b", deduplication_id="job-1-step-2")
    assert second.deduplicated  # type: ignore[union-attr]
    assert second.message_id == first.message_id  # type: ignore[union-attr]
    status, body = await api(
        emu,
        "POST",
        f"/v2/publish/{sink.url()}",
        data=b"c",
        headers={"Upstash-Deduplication-Id": "job-1-step-2"},
    )
    assert (status, body) == (202, {"messageId": first.message_id, "deduplicated": True})  # type: ignore[union-attr]
    await emu.drain()
    assert [r.body for r in sink.received] == [b"a"]
    await emu.advance("10m")
    third = await client.message.publish(url=sink.url(), body="d", deduplication_id="job-1-step-2")
    assert not third.deduplicated  # type: ignore[union-attr]


async def test_content_based_dedup_compares_destination_body_and_headers(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    a = await client.message.publish(url=sink.url(), body="same", content_based_deduplication=True)
    b = await client.message.publish(url=sink.url(), body="same", content_based_deduplication=True)
    c = await client.message.publish(url=sink.url(), body="other", content_based_deduplication=True)
    assert b.message_id == a.message_id  # type: ignore[union-attr]
    assert b.deduplicated  # type: ignore[union-attr]
    assert c.message_id != a.message_id  # type: ignore[union-attr]


async def test_colon_in_dedup_id_is_rejected(client: AsyncQStash) -> None:
    with pytest.raises(QStashError, match="DeduplicationId cannot contain ':'"):
        await client.message.publish(url="http://127.0.0.1:1/x", body="", deduplication_id="a:b")
