"""Fixtures for the scout commands: a `scout dev` subprocess on free ports, read line by line."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from service.testing import free_port
from tests.scout.devprocess import DevProcess


@pytest.fixture
def ports() -> dict[str, int]:
    return {flag: free_port() for flag in ("--port", "--qstash-port", "--mock-port")}


@pytest.fixture
def start_dev(
    tmp_path: Path, ports: dict[str, int]
) -> Callable[..., AbstractAsyncContextManager[DevProcess]]:
    @asynccontextmanager
    async def start(*extra: str) -> AsyncIterator[DevProcess]:
        flags = [str(part) for pair in ports.items() for part in pair]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scout",
            "dev",
            "--state-dir",
            str(tmp_path / "state"),
            *flags,
            *extra,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "160"},
            start_new_session=True,  # so a stray child could be found by its group
        )
        dev = DevProcess(process, ports)
        try:
            yield dev
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    return start
