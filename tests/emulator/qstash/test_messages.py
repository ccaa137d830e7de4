"""The messages API: get while pending, cancel one, cancel many in every form."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from qstash import AsyncQStash, QStash
from qstash.errors import QStashError

from emulator.qstash.testing import RunningEmulator
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
