"""URL groups and batch through the SDK: fan-out, per-endpoint messages, array answers."""

from __future__ import annotations

import pytest
from qstash import AsyncQStash
from qstash.errors import QStashError

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api, verify


async def test_publish_to_a_group_fans_out_signed_per_endpoint(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await client.url_group.upsert_endpoints(
        url_group="team",
        endpoints=[{"url": sink.url("/a"), "name": "a"}, {"url": sink.url("/b")}],
    )
    group = await client.url_group.get("team")
    assert [e.url for e in group.endpoints] == [sink.url("/a"), sink.url("/b")]
    answers = await client.message.publish(url_group="team", body="fan")
    assert isinstance(answers, list)
    assert [a.url for a in answers] == [sink.url("/a"), sink.url("/b")]
    message = await client.message.get(answers[0].message_id)
    assert (message.url_group, message.endpoint) == ("team", "a")
    await emu.drain()
    for request in sink.received:
        assert request.headers["Upstash-Topic-Name"] == "team"
        verify(emu, request)
    assert len({r.headers["Upstash-Message-Id"] for r in sink.received}) == 2
    await client.url_group.remove_endpoints(url_group="team", endpoints=[{"name": "a"}])
    assert [e.url for e in (await client.url_group.get("team")).endpoints] == [sink.url("/b")]
    await client.url_group.delete("team")
    assert await client.url_group.list() == []
    with pytest.raises(QStashError, match="invalid scheme"):
        await client.message.publish(url_group="team", body="gone")


async def test_batch_answers_in_order_with_arrays_for_groups(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await client.url_group.upsert_endpoints(url_group="g", endpoints=[{"url": sink.url("/g")}])
    answers = await client.message.batch_json(
        [
            {"url": sink.url("/one"), "body": {"n": 1}},
            {"url_group": "g", "body": {"n": 2}},
            {"url": sink.url("/three"), "body": {"n": 3}, "queue": "bq"},
        ]
    )
    assert len(answers) == 3
    assert isinstance(answers[1], list)
    await emu.drain()
    assert sorted(r.url for r in sink.received) == sorted(
        [sink.url("/one"), sink.url("/g"), sink.url("/three")]
    )
    status, body = await api(
        emu,
        "POST",
        "/v2/batch",
        json=[{"destination": "http://x/y"}, {"headers": {}}],
    )
    assert status == 400  # a malformed item fails the whole batch
    assert body["error"] == "batch[1]: destination: a URL or URL group name is required"
