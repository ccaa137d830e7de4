"""The blocking `QStash` client against the emulator, for the calls the async tests do not make."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from qstash import QStash

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink


async def test_sync_queue_schedule_group_and_batch_calls(
    emu: RunningEmulator, sink: Sink, sync_client: QStash
) -> None:
    def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return asyncio.to_thread(fn, *args, **kwargs)

    await call(sync_client.queue.upsert, "q", parallelism=2)
    await call(sync_client.queue.pause, "q")
    assert (await call(sync_client.queue.get, "q")).paused
    await call(sync_client.queue.resume, "q")
    assert not (await call(sync_client.queue.get, "q")).paused

    schedule_id = await call(
        sync_client.schedule.create_json,
        destination=sink.url(),
        cron="0 0 * * *",
        body={"daily": True},
    )
    await call(sync_client.schedule.pause, schedule_id)
    await call(sync_client.schedule.resume, schedule_id)
    schedule = await call(sync_client.schedule.get, schedule_id)
    assert not schedule.paused
    assert schedule.body == '{"daily": true}'

    await call(
        sync_client.url_group.upsert_endpoints,
        url_group="grp",
        endpoints=[{"url": sink.url("/g1")}, {"url": sink.url("/g2")}],
    )
    [group] = await call(sync_client.url_group.list)
    assert len(group.endpoints) == 2

    answers = await call(
        sync_client.message.batch,
        [
            {"url": sink.url("/b1"), "body": "one"},
            {"url_group": "grp", "body": "two"},
        ],
    )
    assert len(answers) == 2
    await emu.drain()
    assert sorted(r.url for r in sink.received) == sorted(
        [sink.url("/b1"), sink.url("/g1"), sink.url("/g2")]
    )
