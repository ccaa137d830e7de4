"""The in-process stack: emulator, mock and service on free loopback ports, on one virtual time."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa
from aiohttp import web
from qstash import AsyncQStash

from contracts.flaky_store import FlakyStore
from emulator.qstash.testing import RunningEmulator, running_emulator
from emulator.scrapecreators.state import DEFAULT_API_KEY
from emulator.scrapecreators.testing import running_mock
from service.app import create_app
from service.config.settings import load_settings
from service.qstash.publisher import close_qstash
from service.store.engine import create_engine

ADMIN_USER = "contracts-admin"


class EmulatorTimeClock:
    """The service's clock reads the emulator's manual clock, so moving QStash time moves the
    service's time too: one virtual time for both, never two clocks drifting apart."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self._emulator = emulator

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._emulator.now(), UTC)


@dataclass(frozen=True)
class InProcessStack:
    emulator: RunningEmulator
    mock_url: str
    service_url: str
    store: FlakyStore  # the service's own store, so a contract can take its database away


def _loopback_socket() -> socket.socket:
    # Bound before the app is built, because the service must know its own public URL.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def _store(engine: str, folder: Path, clock: EmulatorTimeClock) -> AsyncIterator[FlakyStore]:
    """A migrated store: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if engine == "sqlite":
        store = FlakyStore(create_engine(f"sqlite:///{folder / 'service.db'}"), clock)
        drop = None
    else:
        schema = f"contracts_{uuid.uuid4().hex[:12]}"
        admin = create_engine(engine)
        async with admin.begin() as conn:
            await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        drop = (admin, schema)
        options = {"server_settings": {"search_path": schema}}
        store = FlakyStore(create_engine(engine, connect_args=options), clock)
    try:
        await store.upgrade()
        yield store
    finally:
        await store.close()
        if drop is not None:
            admin, schema = drop
            async with admin.begin() as conn:
                await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await admin.dispose()


@asynccontextmanager
async def running_stack(engine: str, folder: Path) -> AsyncIterator[InProcessStack]:
    """`engine` is "sqlite" or a PostgreSQL URL; `folder` holds the SQLite file."""
    sock = _loopback_socket()
    service_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with (
        running_emulator() as emulator,
        running_mock([], allow_unplayed=True) as mock,
        httpx.AsyncClient() as http,
    ):
        clock = EmulatorTimeClock(emulator)
        settings = load_settings(
            {
                "QSTASH_URL": emulator.url,
                "QSTASH_TOKEN": emulator.token,
                "QSTASH_CURRENT_SIGNING_KEY": emulator.current_signing_key,
                "QSTASH_NEXT_SIGNING_KEY": emulator.next_signing_key,
                "SCRAPECREATORS_API_KEY": DEFAULT_API_KEY,
                "SCRAPECREATORS_API_URL": mock.url,
                "PUBLIC_BASE_URL": service_url,
                "AUTH_MODE": "dev",
                "ADMIN_USER_IDS": ADMIN_USER,
                "LOG_LEVEL": "WARNING",
                # Short enough that the `failure_timeout` scenario's held request (5 s) times
                # out quickly; loopback answers otherwise arrive in milliseconds.
                "SCRAPECREATORS_PROFILE_TIMEOUT": "1",
            }
        )
        qstash = AsyncQStash(emulator.token, base_url=emulator.url, retry=False)
        async with _store(engine, folder, clock) as store:
            app = create_app(settings, clock=clock, store=store, http=http, qstash=qstash)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            try:
                await web.SockSite(runner, sock).start()
                yield InProcessStack(emulator, mock.url, service_url, store)
            finally:
                await runner.cleanup()
                await close_qstash(qstash)
