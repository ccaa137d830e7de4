"""`--quota`: each plan's published limits, as QStash answers them (413, 400, 412, 429)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web
from qstash import AsyncQStash
from qstash.errors import DailyMessageLimitExceededError, QStashError
from qstash.url_group import UpsertEndpointRequest

from emulator.qstash.cli import main
from emulator.qstash.quota import MB, PLANS
from emulator.qstash.testing import RunningEmulator, running_emulator
from tests.emulator.qstash.conftest import Sink, api, serve

# 23:00 UTC, an hour before the daily count starts again.
LATE = datetime(2025, 3, 1, 23, 0, tzinfo=UTC).timestamp()
MIDNIGHT = int(datetime(2025, 3, 2, tzinfo=UTC).timestamp())


@pytest.fixture
async def free() -> AsyncIterator[RunningEmulator]:
    async with running_emulator(quota="free", start_time=LATE) as running:
        yield running


@pytest.fixture
async def free_client(free: RunningEmulator) -> AsyncIterator[AsyncQStash]:
    sdk = AsyncQStash(free.token, base_url=free.url, retry=False)
    yield sdk
    await sdk.http._client.aclose()


async def _publish(emu: RunningEmulator, url: str, **kwargs: object) -> tuple[int, object]:
    return await api(emu, "POST", f"/v2/publish/{url}", **kwargs)


def _big(size: int) -> io.BytesIO:
    # A stream: aiohttp warns about (and pytest fails on) large raw bytes bodies.
    return io.BytesIO(b"x" * size)


async def test_message_size_is_limited_per_plan(free: RunningEmulator, sink: Sink) -> None:
    status, _ = await _publish(free, sink.url(), data=_big(MB))
    assert status == 200
    status, body = await _publish(free, sink.url(), data=_big(MB + 1))
    assert status == 413
    assert body == {
        "error": f"message size {MB + 1} bytes exceeds the free plan's max message size "
        f"of {MB} bytes"
    }
    async with running_emulator(quota="payg") as payg:
        status, _ = await _publish(payg, sink.url(), data=_big(MB + 1))
        assert status == 200
    async with running_emulator() as unlimited:  # the default, --quota none
        status, _ = await _publish(unlimited, sink.url(), data=_big(10 * MB + 1))
        assert status == 200


async def test_too_big_batch_item_is_refused_alone(free: RunningEmulator, sink: Sink) -> None:
    status, body = await api(
        free,
        "POST",
        "/v2/batch",
        data=io.BytesIO(
            json.dumps(
                [{"destination": sink.url(), "body": "x" * (MB + 1)}, {"destination": sink.url()}]
            ).encode()
        ),
        headers={"Content-Type": "application/json"},
    )
    assert status == 200
    assert isinstance(body, list)
    assert "max message size" in body[0]["error"]
    assert set(body[1]) == {"messageId"}


async def test_max_delay_per_plan(free: RunningEmulator, free_client: AsyncQStash) -> None:
    sink_url = "http://127.0.0.1:9/x"
    await free_client.message.publish(url=sink_url, body="ok", delay="7d")
    with pytest.raises(QStashError, match="400") as caught:
        await free_client.message.publish(url=sink_url, body="late", delay="7d1s")
    assert "invalid Upstash-Delay header: the delay exceeds the free plan's max delay of 7d" in str(
        caught.value
    )
    status, body = await _publish(
        free, sink_url, headers={"Upstash-Not-Before": str(int(LATE) + 8 * 86_400)}
    )
    assert (status, body) == (
        400,
        {
            "error": "invalid Upstash-Not-Before header: the delay exceeds the free plan's "
            "max delay of 7d"
        },
    )
    async with running_emulator(quota="payg") as payg:
        assert (await _publish(payg, sink_url, headers={"Upstash-Delay": "300d"}))[0] == 200
        assert (await _publish(payg, sink_url, headers={"Upstash-Delay": "366d"}))[0] == 400
    async with running_emulator(quota="pro") as pro:
        assert (await _publish(pro, sink_url, headers={"Upstash-Delay": "3650d"}))[0] == 200


async def test_retries_are_capped_at_the_plans_maximum(
    free: RunningEmulator, free_client: AsyncQStash
) -> None:
    answer = await free_client.message.publish(url="http://127.0.0.1:9/x", body="b", retries=10)
    assert not isinstance(answer, list)
    assert (await free_client.message.get(answer.message_id)).max_retries == 3
    async with running_emulator(quota="payg") as payg:
        status, body = await _publish(
            payg, "http://127.0.0.1:9/x", headers={"Upstash-Retries": "9"}
        )
        assert status == 200
        assert isinstance(body, dict)
        _, message = await api(payg, "GET", f"/v2/messages/{body['messageId']}")
        assert message["maxRetries"] == 5


async def test_queues_and_their_parallelism(
    free: RunningEmulator, free_client: AsyncQStash
) -> None:
    for i in range(10):
        await free_client.queue.upsert(f"q{i}", parallelism=2)
    await free_client.queue.upsert("q0", parallelism=1)  # updating one is no new queue
    with pytest.raises(QStashError, match="412") as caught:
        await free_client.queue.upsert("q10")
    assert "queue limit reached: the free plan allows 10 queues" in str(caught.value)
    with pytest.raises(QStashError, match="412") as caught:
        await free_client.queue.upsert("q1", parallelism=3)
    assert "parallelism: the free plan allows at most 2 per queue" in str(caught.value)
    status, body = await api(free, "POST", "/v2/enqueue/q10/http://127.0.0.1:9/x")
    assert (status, body) == (412, {"error": "queue limit reached: the free plan allows 10 queues"})
    assert (await api(free, "POST", "/v2/enqueue/q9/http://127.0.0.1:9/x"))[0] == 200


async def test_schedules(free: RunningEmulator, free_client: AsyncQStash) -> None:
    for i in range(10):
        await free_client.schedule.create(
            destination="http://127.0.0.1:9/x", cron="* * * * *", schedule_id=f"s{i}"
        )
    # Overwriting an existing schedule keeps the count.
    await free_client.schedule.create(
        destination="http://127.0.0.1:9/y", cron="* * * * *", schedule_id="s3"
    )
    with pytest.raises(QStashError, match="412") as caught:
        await free_client.schedule.create(destination="http://127.0.0.1:9/x", cron="* * * * *")
    assert "schedule limit reached: the free plan allows 10 schedules" in str(caught.value)


async def test_url_groups_and_endpoints(free: RunningEmulator, free_client: AsyncQStash) -> None:
    many: list[UpsertEndpointRequest] = [{"url": f"http://127.0.0.1:9/e{i}"} for i in range(100)]
    await free_client.url_group.upsert_endpoints(url_group="one", endpoints=many)
    # Known endpoints are updated, not added.
    await free_client.url_group.upsert_endpoints(url_group="one", endpoints=many[:3])
    with pytest.raises(QStashError, match="412") as caught:
        await free_client.url_group.upsert_endpoints(
            url_group="one", endpoints=[UpsertEndpointRequest(url="http://127.0.0.1:9/e100")]
        )
    assert "the free plan allows 100 endpoints per url group" in str(caught.value)
    with pytest.raises(QStashError, match="412") as caught:
        await free_client.url_group.upsert_endpoints(url_group="two", endpoints=many[:1])
    assert "url group limit reached: the free plan allows 1 url groups" in str(caught.value)


async def test_daily_message_limit_raises_the_sdks_daily_error(
    free: RunningEmulator, free_client: AsyncQStash
) -> None:
    # A paused queue holds the day's thousand messages (a URL group's count once per endpoint).
    await free_client.queue.upsert("held", paused=True)
    await free_client.url_group.upsert_endpoints(
        url_group="pair",
        endpoints=[{"url": "http://127.0.0.1:9/a"}, {"url": "http://127.0.0.1:9/b"}],
    )
    await free_client.message.enqueue(queue="held", url_group="pair", body="two")
    items = [{"destination": "http://127.0.0.1:9/x", "queue": "held"}] * 998
    status, _ = await api(free, "POST", "/v2/batch", json=items)
    assert status == 200
    with pytest.raises(DailyMessageLimitExceededError) as caught:
        await free_client.message.enqueue(queue="held", url="http://127.0.0.1:9/x", body="one more")
    assert (caught.value.limit, caught.value.remaining) == ("1000", "0")
    assert caught.value.reset == str(MIDNIGHT)
    status, body = await api(free, "POST", "/v2/batch", json=items[:1])
    assert status == 429
    assert body == {"error": "daily message limit of the free plan reached: 1000 messages per day"}
    await free.advance("1h")  # a new UTC day
    await free_client.message.enqueue(queue="held", url="http://127.0.0.1:9/x", body="next day")


async def test_an_attempt_lasts_at_most_the_plans_response_duration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The free plan's 15 minutes, shrunk so the test does not wait that long.
    monkeypatch.setitem(
        PLANS, "free", dataclasses.replace(PLANS["free"], max_response_duration=0.2)
    )
    release = asyncio.Event()

    async def never_answers(_: web.Request) -> web.Response:
        await release.wait()
        return web.Response()

    async with serve(never_answers) as base, running_emulator(quota="free") as emu:
        status, body = await _publish(emu, base + "/slow", headers={"Upstash-Timeout": "1h"})
        assert status == 200
        await emu.drain()
        release.set()
        assert isinstance(body, dict)
        _, events = await api(emu, "GET", f"/v2/events?messageId={body['messageId']}")
        errors = [e for e in events["events"] if e["state"] == "ERROR"]
        assert errors[0]["error"] == "request timed out"


def test_cli_quota_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quota", "enterprise"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("qstash-emulator: argument --quota: invalid choice: 'enterprise'")
