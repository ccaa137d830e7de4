"""A change the disk refuses answers 500 and is undone in memory: queues, schedules, URL groups,
flow-control settings and DLQ deletes look as they did before, and as the disk has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulator.qstash.testing import RunningEmulator, running_emulator
from tests.emulator.qstash.conftest import Sink, api


def _read_only(emu: RunningEmulator, on: bool) -> None:
    """Every write of the store's connection fails while on (as on a read-only disk)."""
    conn = emu.state.store._conn
    assert conn is not None
    conn.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


async def _refused(emu: RunningEmulator, method: str, path: str, **kwargs: Any) -> None:
    status, body = await api(emu, method, path, **kwargs)
    assert (status, set(body)) == (500, {"error"})
    assert "failed to persist the change" in body["error"]


async def _get(emu: RunningEmulator, path: str) -> Any:
    status, body = await api(emu, "GET", path)
    assert status == 200
    return body


async def _queues(emu: RunningEmulator) -> list[tuple[str, int, bool]]:
    return sorted((q["name"], q["parallelism"], q["paused"]) for q in await _get(emu, "/v2/queues"))


async def test_refused_queue_changes_are_undone(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite3")
    async with running_emulator(db) as emu:
        queue = {"queueName": "q1", "parallelism": 2}
        assert (await api(emu, "POST", "/v2/queues", json=queue))[0] == 200
        before = await _queues(emu)
        assert before == [("q1", 2, False)]
        _read_only(emu, True)
        await _refused(emu, "POST", "/v2/queues", json={"queueName": "q2"})
        changed = {"queueName": "q1", "parallelism": 5, "paused": True}
        await _refused(emu, "POST", "/v2/queues", json=changed)
        await _refused(emu, "POST", "/v2/queues/q1/pause")
        await _refused(emu, "DELETE", "/v2/queues/q1")
        assert await _queues(emu) == before
        _read_only(emu, False)
    async with running_emulator(db) as emu:
        assert await _queues(emu) == before  # memory and disk agree


async def _schedules(emu: RunningEmulator) -> list[tuple[str, str, bool]]:
    found = await _get(emu, "/v2/schedules")
    return sorted((s["scheduleId"], s["cron"], s.get("isPaused", False)) for s in found)


async def test_refused_schedule_changes_are_undone_and_it_still_fires(
    tmp_path: Path, sink: Sink
) -> None:
    db = str(tmp_path / "state.sqlite3")
    async with running_emulator(db) as emu:

        async def create(schedule_id: str, cron: str) -> tuple[int, Any]:
            headers = {"Upstash-Cron": cron, "Upstash-Schedule-Id": schedule_id}
            return await api(emu, "POST", f"/v2/schedules/{sink.url()}", headers=headers)

        assert (await create("s1", "* * * * *"))[0] == 200
        before = await _schedules(emu)
        assert before == [("s1", "* * * * *", False)]
        _read_only(emu, True)
        assert (await create("s2", "0 * * * *"))[0] == 500
        assert (await create("s1", "0 0 1 1 *"))[0] == 500  # an overwrite
        await _refused(emu, "PATCH", "/v2/schedules/s1/pause")
        await _refused(emu, "DELETE", "/v2/schedules/s1")
        assert await _schedules(emu) == before
        _read_only(emu, False)
        # Exactly one minute boundary: the refused pause and delete left it firing.
        await emu.advance("60s")
        await emu.drain()
        assert len(sink.at("/hook")) == 1
    async with running_emulator(db) as emu:
        assert await _schedules(emu) == before


async def test_refused_url_group_flow_control_and_dlq_changes_are_undone(
    tmp_path: Path, sink: Sink
) -> None:
    db = str(tmp_path / "state.sqlite3")
    async with running_emulator(db) as emu:
        endpoints = {"endpoints": [{"url": sink.url("/a"), "name": "a"}]}
        assert (await api(emu, "POST", "/v2/topics/g1/endpoints", json=endpoints))[0] == 200
        flow = {"Upstash-Flow-Control-Key": "k1", "Upstash-Flow-Control-Value": "parallelism=1"}
        status, _ = await api(emu, "POST", f"/v2/publish/{sink.url('/f')}", headers=flow)
        assert status == 200
        sink.reply("/dead", 500)
        headers = {"Upstash-Retries": "0"}
        status, _ = await api(emu, "POST", f"/v2/publish/{sink.url('/dead')}", headers=headers)
        assert status == 200
        await emu.drain()
        await emu.state.commit()  # the dead-lettering, written in the background
        groups = await _get(emu, "/v2/topics")
        flows = await _get(emu, "/v2/flowControl/k1")
        dead = await _get(emu, "/v2/dlq")
        assert len(dead["messages"]) == 1
        dlq_id = dead["messages"][0]["dlqId"]

        _read_only(emu, True)
        more = {"endpoints": [{"url": sink.url("/b"), "name": "b"}]}
        await _refused(emu, "POST", "/v2/topics/g1/endpoints", json=more)
        await _refused(emu, "POST", "/v2/topics/g2/endpoints", json=more)
        await _refused(emu, "DELETE", "/v2/topics/g1/endpoints", json=endpoints)
        await _refused(emu, "PATCH", "/v2/topics/g1", json={"headers": {"X-A": "1"}})
        await _refused(emu, "DELETE", "/v2/topics/g1")
        await _refused(emu, "POST", "/v2/flowControl/k1/pause")
        await _refused(emu, "POST", "/v2/flowControl/k1/pin", params={"parallelism": "3"})
        await _refused(emu, "DELETE", f"/v2/dlq/{dlq_id}")
        assert await _get(emu, "/v2/topics") == groups
        assert await _get(emu, "/v2/flowControl/k1") == flows
        assert await _get(emu, "/v2/dlq") == dead
        _read_only(emu, False)
    async with running_emulator(db) as emu:
        assert await _get(emu, "/v2/topics") == groups
        assert (await _get(emu, "/v2/dlq"))["messages"] == dead["messages"]
