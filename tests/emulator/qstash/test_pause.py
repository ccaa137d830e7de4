"""POST /_emulator/pause and /resume: deliveries are held while publishing goes on."""

from __future__ import annotations

from typing import Any

from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api


async def _control(emu: RunningEmulator, path: str, **kwargs: Any) -> dict[str, Any]:
    status, body = await api(emu, "POST", path, **kwargs)
    assert status == 200, body
    assert isinstance(body, dict)
    return body


async def test_paused_emulator_accepts_but_delivers_nothing_until_resumed(
    emu: RunningEmulator, client: AsyncQStash, sink: Sink
) -> None:
    paused = await _control(emu, "/_emulator/pause")
    assert paused["paused"] is True
    await client.message.publish_json(url=sink.url("/now"), body={"n": 1})
    await client.message.publish_json(url=sink.url("/later"), body={"n": 2}, delay="5s")

    # Time moves past both due times, yet nothing is attempted while paused.
    clock = await _control(emu, "/_emulator/clock", json={"advance": "10s"})
    assert clock["paused"] is True
    assert clock["pending"] == 2
    await _control(emu, "/_emulator/run-until-idle", json={"limit": "1h"})
    await _control(emu, "/_emulator/drain")
    assert sink.received == []
    assert emu.deliveries() == []

    resumed = await _control(emu, "/_emulator/resume")
    assert resumed["paused"] is False
    await _control(emu, "/_emulator/drain")
    assert sorted(r.url for r in sink.received) == [sink.url("/later"), sink.url("/now")]
    status, clock = await api(emu, "GET", "/_emulator/clock")
    assert status == 200
    assert clock["pending"] == 0
    assert clock["paused"] is False
