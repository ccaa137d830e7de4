"""Rows PARITY.md once listed as partial: coexisting flow-control settings, queues waiting for
callbacks, per-item batch errors, and URL-group default headers (PATCH /v2/topics)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api, serve


async def test_the_most_permissive_coexisting_flow_control_wins(
    emu: RunningEmulator, client: AsyncQStash
) -> None:
    release = asyncio.Event()
    arrived: list[str] = []

    async def slow(request: web.Request) -> web.Response:
        arrived.append(request.path)
        await release.wait()
        return web.Response()

    async with serve(slow) as base:
        # The generous message first, then three strict ones: the newest must not win.
        await client.message.publish(
            url=base + "/wide", body="w", flow_control={"key": "k", "parallelism": 4}
        )
        for i in range(3):
            await client.message.publish(
                url=base + f"/n{i}", body="n", flow_control={"key": "k", "parallelism": 1}
            )
        flow = await client.flow_control.get("k")
        assert flow.parallelism_max == 4
        drained = asyncio.create_task(emu.drain())
        for _ in range(200):  # the event loop runs the four attempts; no wall-clock wait
            if len(arrived) == 4:
                break
            await asyncio.sleep(0)
        assert len(arrived) == 4, arrived
        release.set()
        await drained
    # Once the generous message is settled its setting no longer counts.
    await client.message.publish(
        url="http://127.0.0.1:9/x", body="n", flow_control={"key": "k", "parallelism": 1}
    )
    assert (await client.flow_control.get("k")).parallelism_max == 1


async def test_the_highest_rate_per_second_wins(emu: RunningEmulator, client: AsyncQStash) -> None:
    await client.message.publish(
        url="http://127.0.0.1:9/x", body="a", flow_control={"key": "r", "rate": 10, "period": 60}
    )
    await client.message.publish(
        url="http://127.0.0.1:9/x", body="b", flow_control={"key": "r", "rate": 2, "period": 1}
    )
    flow = await client.flow_control.get("r")
    assert (flow.rate_max, flow.rate_period) == (2, 1)


async def test_queue_next_message_waits_for_the_previous_callbacks(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/cb", 500)  # the first callback attempt fails and is retried later
    await client.message.enqueue(
        queue="jobs", url=sink.url("/a"), body="a", callback=sink.url("/cb"), retries=1
    )
    await client.message.enqueue(queue="jobs", url=sink.url("/b"), body="b")
    await emu.drain()
    assert [r.url for r in sink.received] == [sink.url("/a"), sink.url("/cb")]
    await emu.run_until_idle()
    assert [r.url for r in sink.received] == [sink.url(p) for p in ("/a", "/cb", "/cb", "/b")]


async def test_queue_next_message_waits_for_the_failure_callback(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    sink.reply("/a", 500, times=2)
    sink.reply("/fail", 500)  # the failure callback (retries as its source: 1) fails once
    await client.message.enqueue(
        queue="jobs", url=sink.url("/a"), body="a", failure_callback=sink.url("/fail"), retries=1
    )
    await client.message.enqueue(queue="jobs", url=sink.url("/b"), body="b")
    await emu.run_until_idle()
    expected = ("/a", "/a", "/fail", "/fail", "/b")
    assert [r.url for r in sink.received] == [sink.url(p) for p in expected]


async def test_a_batch_item_qstash_refuses_answers_an_error_while_the_rest_are_sent(
    emu: RunningEmulator, sink: Sink
) -> None:
    status, body = await api(
        emu,
        "POST",
        "/v2/batch",
        json=[
            {"destination": sink.url("/one")},
            {"destination": "no-such-group"},
            {"destination": sink.url("/three"), "headers": {"Upstash-Delay": "soon"}},
            {"destination": sink.url("/four")},
        ],
    )
    assert status == 200
    assert set(body[0]) == {"messageId"}
    assert body[1] == {
        "error": "invalid destination url: endpoint has invalid scheme, add http:// or https://"
    }
    assert body[2]["error"].startswith("invalid Upstash-Delay header")
    assert set(body[3]) == {"messageId"}
    await emu.drain()
    assert sorted(r.url for r in sink.received) == [sink.url("/four"), sink.url("/one")]


async def test_url_group_default_headers(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    await client.url_group.upsert_endpoints(url_group="hooks", endpoints=[{"url": sink.url()}])
    status, _ = await api(
        emu,
        "PATCH",
        "/v2/topics/hooks",
        json={"headers": {"Upstash-Forward-X-Team": ["blue"], "Upstash-Retries": "0"}},
    )
    assert status == 200
    sink.reply("/hook", 500)
    answers = await client.message.publish(url_group="hooks", body="x")
    assert isinstance(answers, list)
    [answer] = answers
    # The publish's own header wins over the group's default.
    await client.message.publish(url_group="hooks", body="y", headers={"X-Team": "red"})
    assert (await client.message.get(answer.message_id)).max_retries == 0
    await emu.run_until_idle()
    assert [r.headers["X-Team"] for r in sink.received] == ["blue", "red"]
    # No retry: Upstash-Retries 0 came from the group.
    assert len((await client.dlq.list()).messages) == 1
    status, body = await api(emu, "PATCH", "/v2/topics/nope", json={"headers": {}})
    assert (status, body) == (404, {"error": "url group nope not found"})
    status, body = await api(emu, "PATCH", "/v2/topics/hooks", json={"headers": {"A": 1}})
    assert (status, body) == (400, {"error": "headers.A: must be a string or a list of strings"})
