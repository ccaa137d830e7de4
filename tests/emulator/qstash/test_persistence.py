"""Everything accepted survives a restart on the same database (in-process, clean shutdown)."""

from __future__ import annotations

from pathlib import Path

from qstash import AsyncQStash
from qstash.log import LogState

from emulator.qstash.testing import running_emulator
from tests.emulator.qstash.conftest import Sink, verify


async def test_state_survives_a_restart(tmp_path: Path, sink: Sink) -> None:
    db = str(tmp_path / "state.sqlite3")
    async with running_emulator(db) as emu:
        client = AsyncQStash(emu.token, base_url=emu.url, retry=False)
        sink.reply("/dead", 500)
        await client.message.publish(url=sink.url("/dead"), body="dies", retries=0)
        pending = await client.message.publish(
            url=sink.url("/later"), body="later", delay="1h", deduplication_id="once"
        )
        await client.schedule.create(
            destination=sink.url("/tick"), cron="0 * * * *", schedule_id="hourly"
        )
        await client.queue.upsert("jobs", parallelism=3)
        await client.url_group.upsert_endpoints(
            url_group="team", endpoints=[{"url": sink.url("/team")}]
        )
        keys = await client.signing_key.rotate()
        await client.message.publish(url=sink.url("/fc"), body="", flow_control={"key": "fk"})
        await emu.drain()
        await client.flow_control.pin("fk", {"parallelism": 2})
        await client.flow_control.pause("fk")
        await client.http._client.aclose()
    async with running_emulator(db) as emu:
        client = AsyncQStash(emu.token, base_url=emu.url, retry=False)
        try:
            assert (await client.signing_key.get()).current == keys.current
            [dead] = (await client.dlq.list()).messages
            assert dead.body == "dies"
            message = await client.message.get(pending.message_id)  # type: ignore[union-attr]
            assert message.body == "later"
            again = await client.message.publish(
                url=sink.url("/later"), body="again", deduplication_id="once"
            )
            assert again.deduplicated  # type: ignore[union-attr]
            assert (await client.schedule.get("hourly")).cron == "0 * * * *"
            assert (await client.queue.get("jobs")).parallelism == 3
            flow = await client.flow_control.get("fk")
            assert flow.is_paused
            assert flow.parallelism_max == 2
            assert [e.url for e in (await client.url_group.get("team")).endpoints] == [
                sink.url("/team")
            ]
            states = [
                e.state for e in (await client.log.list(filter={"url": sink.url("/dead")})).logs
            ]
            assert states == [LogState.FAILED, LogState.ERROR, LogState.ACTIVE, LogState.CREATED]
            await emu.advance("1h")
            [later] = sink.at("/later")
            verify(emu, later)
        finally:
            await client.http._client.aclose()
