"""The dev stack holds deliveries with the emulator's pause, never by stopping its clock."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp

from scout.devstack import Ports, running_dev_stack, take_ports
from service.testing import free_port


async def test_dev_stack_runs_the_emulator_on_wall_time_and_unpaused(tmp_path: Path) -> None:
    ports = Ports(service=free_port(), qstash=free_port(), mock=free_port())
    async with (
        running_dev_stack(tmp_path, ports, take_ports(ports)) as stack,
        aiohttp.ClientSession() as http,
        http.get(stack.qstash_url + "/_emulator/clock") as response,
    ):
        assert response.status == 200
        clock = await response.json()
    assert clock["mode"] == "system"
    assert clock["paused"] is False
    # Never held back: the clock reads wall time, not the moment the stack was built.
    assert abs(clock["nowSeconds"] - time.time()) < 5
