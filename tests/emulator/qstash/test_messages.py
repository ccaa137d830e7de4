"""The messages API: get while pending (or just delivered), cancel one, cancel many."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from qstash import AsyncQStash, QStash
from qstash.errors import QStashError

from emulator.qstash.testing import RunningEmulator, running_emulator
from tests.emulator.qstash.conftest import Sink, api


async def _publish(client: AsyncQStash, sink: Sink, n: int, **kwargs: object) -> list[str]:
    ids = []
    for i in range(n):
        res = await client.message.publish(url=sink.url(), body=f"m{i}", delay="1h", **kwargs)  # type: ignore[arg-type]
        ids.append(res.message_id)  # type: ignore[union-attr]
    return ids


async def test_get_while_pending_then_404_after_delivery(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    res = await client.message.publish(
        url=sink.url(), body="hello", delay=60, retries=2, label="jobs", headers={"x-a": "1"}
    )
    message = await client.message.get(res.message_id)  # type: ignore[union-attr]
    assert message.url == sink.url()
    assert message.body == "hello"
    assert message.method == "POST"
    assert message.max_retries == 2
    assert message.label == "jobs"
    assert message.headers == {"X-A": ["1"]}
    assert message.not_before - message.created_at == 60_000
    await emu.advance("1m")
    with pytest.raises(QStashError, match="404"):
        await client.message.get(res.message_id)  # type: ignore[union-attr]


async def test_cancel_one_stops_delivery_and_returns_the_count(
    emu: RunningEmulator, sink: Sink
) -> None:
    _, body = await api(emu, "POST", f"/v2/publish/{sink.url()}", data=b"x")
    message_id = body["messageId"]
    assert await api(emu, "DELETE", f"/v2/messages/{message_id}") == (200, {"cancelled": 1})
    status, _ = await api(emu, "DELETE", f"/v2/messages/{message_id}")
    assert status == 404
    await emu.run_until_idle()
    assert sink.received == []
    states = emu.state.events.states_of(message_id)
    assert states == ["CREATED", "CANCEL_REQUESTED", "CANCELED"]


async def test_cancel_many_by_body_ids(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, sync_client: QStash
) -> None:
    ids = await _publish(client, sink, 3)
    assert await asyncio.to_thread(sync_client.message.cancel_many, ids[:2]) == 2
    assert list(emu.state.messages) == [ids[2]]
    await asyncio.to_thread(sync_client.message.cancel, ids[2])
    assert emu.state.messages == {}


async def test_cancel_all(emu: RunningEmulator, sink: Sink, client: AsyncQStash) -> None:
    await _publish(client, sink, 4)
    assert await client.message.cancel_all() == 4
    await emu.run_until_idle()
    assert sink.received == []


async def test_cancel_by_query_ids_and_by_filters(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    ids = await _publish(client, sink, 2)
    labelled = await _publish(client, sink, 2, label="batch-7")
    by_ids = await api(emu, "DELETE", "/v2/messages", params=[("messageIds", ids[0])])
    assert by_ids == (200, {"cancelled": 1})
    by_label = await api(emu, "DELETE", "/v2/messages", params={"label": "batch-7"})
    assert by_label == (200, {"cancelled": 2})
    status, body = await api(emu, "DELETE", "/v2/messages", params={"fromDate": "notanumber"})
    assert status == 400
    assert "fromDate" in body["error"]
    assert set(emu.state.messages) == {ids[1]}
    assert not set(labelled) & set(emu.state.messages)


async def test_redacted_fields_are_hidden_from_the_api_but_delivered(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    res = await client.message.publish(
        url=sink.url(),
        body="secret",
        delay="1m",
        headers={"Authorization": "Bearer t", "X-Plain": "p"},
        redact={"body": True, "header": ["Authorization"]},
    )
    message = await client.message.get(res.message_id)  # type: ignore[union-attr]
    digest = hashlib.sha256(b"secret").hexdigest()
    assert message.body == f"REDACTED:{digest}"
    assert message.headers is not None
    assert message.headers["Authorization"][0].startswith("REDACTED:")
    assert message.headers["X-Plain"] == ["p"]
    await emu.advance("1m")
    [got] = sink.received
    assert got.body == b"secret"
    assert got.headers["Authorization"] == "Bearer t"


async def _publish_batch(emu: RunningEmulator, sink: Sink, n: int, label: str = "") -> None:
    headers = {"Upstash-Delay": "1h", **({"Upstash-Label": label} if label else {})}
    items = [{"destination": sink.url(), "body": f"b{i}", "headers": headers} for i in range(n)]
    status, _ = await api(emu, "POST", "/v2/batch", json=items)
    assert status == 200


async def test_bulk_cancel_respects_count_with_all_and_with_a_filter(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    """The TypeScript SDK's "should respect count: 1 with all: true" and "… with filter"."""
    plain = await _publish(client, sink, 2)
    labelled = await _publish(client, sink, 2, label="grp")
    by_filter = await api(emu, "DELETE", "/v2/messages", params={"label": "grp", "count": "1"})
    assert by_filter == (200, {"cancelled": 1})
    assert set(emu.state.messages) == {*plain, labelled[1]}  # the oldest match went first
    assert await api(emu, "DELETE", "/v2/messages", params={"count": "1"}) == (
        200,
        {"cancelled": 1},
    )
    assert set(emu.state.messages) == {plain[1], labelled[1]}
    # Explicit ids are not limited by count.
    by_ids = [("messageIds", i) for i in (plain[1], labelled[1])] + [("count", "1")]
    assert await api(emu, "DELETE", "/v2/messages", params=by_ids) == (200, {"cancelled": 2})


async def test_bulk_cancel_takes_100_per_call_by_default_and_callers_loop_until_0(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await _publish_batch(emu, sink, 101)
    assert [await client.message.cancel_all() for _ in range(3)] == [100, 1, 0]
    await _publish_batch(emu, sink, 102, label="many")
    cancelled = []
    while n := (await api(emu, "DELETE", "/v2/messages", params={"label": "many"}))[1]["cancelled"]:
        cancelled.append(n)
    assert cancelled == [100, 2]


@pytest.mark.parametrize("count", ["0", "-1", "many"])
async def test_bulk_cancel_refuses_a_bad_count(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash, count: str
) -> None:
    await _publish(client, sink, 1)
    status, body = await api(emu, "DELETE", "/v2/messages", params={"count": count})
    assert status == 400
    assert "count" in body["error"]
    assert len(emu.state.messages) == 1


async def test_delivered_message_is_gone_at_once_by_default(
    emu: RunningEmulator, sink: Sink
) -> None:
    _, body = await api(emu, "POST", f"/v2/publish/{sink.url()}", data=b"fast")
    await emu.drain()
    assert len(sink.received) == 1
    status, _ = await api(emu, "GET", f"/v2/messages/{body['messageId']}")
    assert status == 404


async def test_retain_delivered_keeps_a_delivered_message_readable_for_the_window(
    sink: Sink,
) -> None:
    async with running_emulator(retain_delivered="5s") as emu:
        _, body = await api(emu, "POST", f"/v2/publish/{sink.url()}", data=b"fast")
        message_id = body["messageId"]
        await emu.drain()
        assert len(sink.received) == 1
        sdk = AsyncQStash(emu.token, base_url=emu.url, retry=False)
        try:
            message = await sdk.message.get(message_id)
            assert (message.message_id, message.body, message.url) == (
                message_id,
                "fast",
                sink.url(),
            )
            # Already delivered: readable, but nothing is left to cancel.
            status, _ = await api(emu, "DELETE", f"/v2/messages/{message_id}")
            assert status == 404
            await emu.advance("4.9s")
            assert (await api(emu, "GET", f"/v2/messages/{message_id}"))[0] == 200
            await emu.advance("0.2s")
            with pytest.raises(QStashError, match="404"):
                await sdk.message.get(message_id)
        finally:
            await sdk.http._client.aclose()
        assert len(sink.received) == 1  # retention never delivers again


async def test_retain_delivered_keeps_only_delivered_messages(sink: Sink) -> None:
    async with running_emulator(retain_delivered="1m") as emu:
        sink.reply("/dead", 500)
        _, failed = await api(
            emu, "POST", f"/v2/publish/{sink.url('/dead')}", headers={"Upstash-Retries": "0"}
        )
        _, cancelled = await api(
            emu, "POST", f"/v2/publish/{sink.url()}", headers={"Upstash-Delay": "1h"}
        )
        await api(emu, "DELETE", f"/v2/messages/{cancelled['messageId']}")
        await emu.drain()
        for body in (failed, cancelled):
            status, _ = await api(emu, "GET", f"/v2/messages/{body['messageId']}")
            assert status == 404
