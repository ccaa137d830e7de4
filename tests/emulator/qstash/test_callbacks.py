"""Callbacks after every attempt and failure callbacks once, signed, with QStash's payload."""

from __future__ import annotations

import base64
import json

from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, verify


async def test_callback_after_each_attempt_with_the_response(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 500, body=b"first")
    sink.reply("/hook", 200, body=b"second")
    res = await client.message.publish(
        url=sink.url(),
        body="src",
        retries=1,
        retry_delay="0",
        callback=sink.url("/cb"),
        callback_headers={"Forward-X-Token": "t1"},
    )
    await emu.run_until_idle()
    callbacks = sink.at("/cb")
    assert len(callbacks) == 2
    payloads = [json.loads(c.body) for c in callbacks]
    assert sorted(p["status"] for p in payloads) == [200, 500]
    by_status = {p["status"]: p for p in payloads}
    assert base64.b64decode(by_status[500]["body"]) == b"first"
    assert "retried" not in by_status[500]  # zero values are omitted, like QStash
    assert by_status[200]["retried"] == 1 == by_status[200]["maxRetries"]
    assert by_status[200]["sourceMessageId"] == res.message_id  # type: ignore[union-attr]
    assert base64.b64decode(by_status[200]["sourceBody"]) == b"src"
    assert by_status[200]["url"] == sink.url()
    for callback in callbacks:
        verify(emu, callback)
        assert callback.headers["X-Token"] == "t1"
        assert callback.headers["Content-Type"] == "application/json"
        assert callback.headers["Upstash-Message-Id"] != res.message_id  # type: ignore[union-attr]


async def test_failure_callback_once_with_the_dlq_id(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 502, times=3)
    await client.message.publish(
        url=sink.url(), body="src", retries=2, failure_callback=sink.url("/failed")
    )
    await emu.run_until_idle("2d")
    [failure] = sink.at("/failed")
    verify(emu, failure)
    payload = json.loads(failure.body)
    [entry] = (await client.dlq.list()).messages
    assert payload["dlqId"] == entry.dlq_id
    assert payload["status"] == 502
    assert payload["retried"] == 2
