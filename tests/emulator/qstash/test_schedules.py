"""Schedules through the SDKs: create/overwrite, list, get, pause/resume, delete, and ticks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from qstash import AsyncQStash, QStash
from qstash.errors import QStashError
from qstash.schedule import ScheduleState

from emulator.qstash.testing import RunningEmulator, running_emulator
from tests.emulator.qstash.conftest import Sink, api, verify

START = datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC).timestamp()  # a Monday, 30 s past noon


async def test_ticks_deliver_with_schedule_id_and_update_the_schedule(sink: Sink) -> None:
    async with running_emulator(start_time=START) as emu:
        client = AsyncQStash(emu.token, base_url=emu.url, retry=False)
        try:
            schedule_id = await client.schedule.create(
                destination=sink.url("/tick"), cron="*/5 * * * *", body="tick", delay="10s"
            )
            schedule = await client.schedule.get(schedule_id)
            assert schedule.cron == "*/5 * * * *"
            assert schedule.delay == 10
            assert schedule.next_schedule_time == (START + 270) * 1000
            await emu.advance("4m39s")  # the tick at 12:05:00 publishes, delayed by 10 s
            assert sink.received == []
            await emu.advance("1s")
            [got] = sink.received
            assert got.headers["Upstash-Schedule-Id"] == schedule_id
            assert got.body == b"tick"
            verify(emu, got)
            schedule = await client.schedule.get(schedule_id)
            assert schedule.last_schedule_time == (START + 270) * 1000
            assert schedule.next_schedule_time == (START + 570) * 1000
            assert list((schedule.last_schedule_states or {}).values()) == [ScheduleState.SUCCESS]
            await emu.advance("1h")
            assert len(sink.received) == 13  # one every five minutes, none skipped
            assert "Content-Type" not in got.headers  # none was given, none is invented
        finally:
            await client.http._client.aclose()


async def test_overwrite_by_id_replaces_the_definition(
    emu: RunningEmulator, sink: Sink, sync_client: QStash
) -> None:
    create = sync_client.schedule.create
    first = await asyncio.to_thread(
        create, destination=sink.url(), cron="0 * * * *", body="b", schedule_id="nightly"
    )
    assert first == "nightly"
    await asyncio.to_thread(
        create, destination=sink.url("/other"), cron="0 4 * * *", schedule_id="nightly"
    )
    [schedule] = await asyncio.to_thread(sync_client.schedule.list)
    assert schedule.destination == sink.url("/other")
    assert schedule.cron == "0 4 * * *"
    assert schedule.body is None  # omitted the second time, so gone


async def test_pause_resume_and_delete(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    schedule_id = await client.schedule.create(destination=sink.url(), cron="* * * * *")
    await client.schedule.pause(schedule_id)
    assert (await client.schedule.get(schedule_id)).paused
    await emu.advance("5m")
    assert sink.received == []
    status, _ = await api(emu, "POST", f"/v2/schedules/{schedule_id}/resume")  # OpenAPI's verb
    assert status == 200
    assert not (await client.schedule.get(schedule_id)).paused
    await emu.advance("1m")
    assert len(sink.received) == 1
    await client.schedule.delete(schedule_id)
    with pytest.raises(QStashError, match="404"):
        await client.schedule.get(schedule_id)
    await emu.advance("5m")
    assert len(sink.received) == 1


async def test_bad_cron_and_bad_id_are_400s(client: AsyncQStash) -> None:
    with pytest.raises(QStashError, match="invalid Upstash-Cron header"):
        await client.schedule.create(destination="http://127.0.0.1:1/x", cron="* * *")
    with pytest.raises(QStashError, match="Upstash-Schedule-Id"):
        await client.schedule.create(
            destination="http://127.0.0.1:1/x", cron="* * * * *", schedule_id="a b"
        )


async def test_cron_tz_prefix(emu: RunningEmulator, client: AsyncQStash) -> None:
    schedule_id = await client.schedule.create(
        destination="http://127.0.0.1:1/x", cron="CRON_TZ=America/New_York 0 4 * * *"
    )
    schedule = await client.schedule.get(schedule_id)
    assert schedule.next_schedule_time is not None
    fires = datetime.fromtimestamp(schedule.next_schedule_time / 1000, UTC)
    assert (fires.hour, fires.minute) in {(8, 0), (9, 0)}  # 04:00 in New York, DST or not
