"""Retries: the default backoff, Upstash-Retry-Delay, Retry-After, 489, and the DLQ at the end."""

from __future__ import annotations

import itertools

import pytest
from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, verify


def _gaps(emu: RunningEmulator) -> list[float]:
    times = [d["time"] for d in emu.deliveries()]
    return [(b - a) / 1000 for a, b in itertools.pairwise(times)]


async def test_default_backoff_is_e_to_the_2_5n(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 500, times=4)
    await client.message.publish(url=sink.url(), body="x", retries=3)
    await emu.run_until_idle("2d")
    assert [r.headers["Upstash-Retried"] for r in sink.received] == ["0", "1", "2", "3"]
    # min(86400, e^(2.5 n)) seconds for n = 1, 2, 3 (12 s, 2 m 28 s, 30 m 8 s)
    assert _gaps(emu) == pytest.approx([12.182, 148.413, 1808.042], abs=0.002)
    for request in sink.received:
        verify(emu, request)


async def test_retry_delay_expression_in_milliseconds_from_retried_zero(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 503, times=3)
    await client.message.publish(
        url=sink.url(), body="x", retries=3, retry_delay="1000 * (1 + retried)"
    )
    await emu.run_until_idle()
    assert _gaps(emu) == pytest.approx([1.0, 2.0, 3.0])
    assert len(sink.received) == 4  # the fourth attempt succeeded


async def test_retry_delay_going_negative_falls_back_to_the_default_backoff(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 500, times=2)
    # 1000 ms for the first retry, then negative: the second retry takes the default backoff.
    await client.message.publish(
        url=sink.url(), body="x", retries=2, retry_delay="1000 - 2000 * retried"
    )
    await emu.run_until_idle()
    assert [r.headers["Upstash-Retried"] for r in sink.received] == ["0", "1", "2"]
    assert _gaps(emu) == pytest.approx([1.0, 148.413], abs=0.002)


async def test_bad_retry_delay_is_a_400_that_says_why(client: AsyncQStash) -> None:
    from qstash.errors import QStashError

    with pytest.raises(QStashError, match="invalid Upstash-Retry-Delay header") as caught:
        await client.message.publish(url="http://127.0.0.1:1/x", body="", retry_delay="2 ** x")
    assert "400" in str(caught.value)


async def test_retry_after_header_sets_the_next_attempt(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 429, headers={"Retry-After": "7"})
    await client.message.publish(url=sink.url(), body="x", retries=1)
    await emu.run_until_idle()
    assert _gaps(emu) == pytest.approx([7.0])


async def test_non_retryable_489_fails_at_once_into_the_dlq(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 489, headers={"Upstash-NonRetryable-Error": "true"}, body=b"no")
    res = await client.message.publish(url=sink.url(), body="x", retries=5)
    await emu.run_until_idle()
    assert len(sink.received) == 1
    dlq = await client.dlq.list()
    [entry] = dlq.messages
    assert entry.message_id == res.message_id  # type: ignore[union-attr]
    assert entry.response_status == 489
    assert entry.response_body == "no"


async def test_exhausted_retries_end_failed_in_the_dlq_with_the_last_response(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/hook", 500, times=2, body=b"boom")
    res = await client.message.publish(url=sink.url(), body="payload", retries=1)
    await emu.run_until_idle()
    page = await client.dlq.list()
    [entry] = page.messages
    assert entry.response_status == 500
    assert entry.response_body == "boom"
    assert entry.body == "payload"
    assert entry.max_retries == 1
    got = await client.dlq.get(entry.dlq_id)
    assert got.message_id == res.message_id  # type: ignore[union-attr]
    with pytest.raises(Exception, match="404"):
        await client.message.get(res.message_id)  # type: ignore[union-attr]


async def test_connection_refused_is_a_failed_attempt_with_status_zero(
    emu: RunningEmulator, client: AsyncQStash
) -> None:
    await client.message.publish(url="http://127.0.0.1:9/nothing-listens", body="", retries=0)
    await emu.drain()
    [entry] = (await client.dlq.list()).messages
    assert entry.response_status == 0
