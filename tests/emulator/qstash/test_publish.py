"""Publishing through the official SDKs, and what the destination receives."""

from __future__ import annotations

import asyncio

import pytest
from qstash import AsyncQStash, QStash
from qstash.errors import QStashError

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api, verify


async def test_publish_is_delivered_signed_with_body_and_headers(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    res = await client.message.publish(
        url=sink.url("/hook?job=1"),
        body=b'{"step": 0}',
        content_type="application/json",
        headers={"X-Trace": "abc"},
        method="PUT",
    )
    assert res.message_id.startswith("msg_")  # type: ignore[union-attr]
    assert sink.received == []  # manual clock: nothing moves until asked
    await emu.drain()
    [got] = sink.received
    assert got.method == "PUT"
    assert got.url == sink.url("/hook?job=1")
    assert got.body == b'{"step": 0}'
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Trace"] == "abc"
    assert got.headers["User-Agent"] == "Upstash-QStash"
    assert got.headers["Upstash-Message-Id"] == res.message_id  # type: ignore[union-attr]
    assert got.headers["Upstash-Retried"] == "0"
    assert got.headers["Upstash-Caller-Ip"] == "127.0.0.1"
    verify(emu, got)


async def test_sync_client_publish_json(
    emu: RunningEmulator, sink: Sink, sync_client: QStash
) -> None:
    res = await asyncio.to_thread(sync_client.message.publish_json, url=sink.url(), body={"a": 1})
    await emu.drain()
    [got] = sink.received
    assert got.body == b'{"a": 1}'
    assert got.headers["Upstash-Message-Id"] == res.message_id  # type: ignore[union-attr]
    verify(emu, got)


async def test_delay_is_honoured_on_the_virtual_clock(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await client.message.publish(url=sink.url(), body="later", delay="1m30s")
    await emu.advance("89s")
    assert sink.received == []
    await emu.advance(1)
    assert len(sink.received) == 1
    assert emu.deliveries()[0]["time"] == pytest.approx((emu.now()) * 1000, abs=1)


async def test_bad_delay_is_a_400_naming_the_header(
    emu: RunningEmulator, client: AsyncQStash
) -> None:
    with pytest.raises(QStashError, match="invalid Upstash-Delay header: time: missing unit"):
        await client.message.publish(url="http://127.0.0.1:1/x", body="", delay="1")


async def test_destination_without_scheme_is_rejected(client: AsyncQStash) -> None:
    with pytest.raises(QStashError, match="endpoint has invalid scheme"):
        await client.message.publish(url="example.com/hook", body="")


async def test_webhook_mode_config_in_the_query_is_not_forwarded(
    emu: RunningEmulator, sink: Sink
) -> None:
    target = sink.url("/hook?x=1&upstash-delay=10s&Upstash-Forward-X-Source=github")
    status, _ = await api(emu, "POST", f"/v2/publish/{target}", data=b"event")
    assert status == 200
    await emu.advance("9s")
    assert sink.received == []
    await emu.advance("1s")
    [got] = sink.received
    assert got.url == sink.url("/hook?x=1")
    assert got.headers["X-Source"] == "github"
    verify(emu, got)


async def test_destination_keeps_double_slashes_escapes_and_query(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    target = sink.url("//a//b/c%2Fd?x=1&y=two%20words")
    await client.message.publish(url=target, body="")
    await emu.drain()
    [got] = sink.received
    assert got.url == target
    verify(emu, got)  # the signature's subject is the URL exactly as published
