"""The in-process stack: emulator, mock and service on free loopback ports, on one virtual time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contracts.flaky_store import FlakyStore
from emulator.qstash.testing import RunningEmulator, running_emulator
from emulator.scrapecreators.state import DEFAULT_API_KEY
from emulator.scrapecreators.testing import running_mock
from service.store.engine import create_engine
from service.testing import postgres_schema, running_service, store_in_schema

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


@asynccontextmanager
async def _store(engine: str, folder: Path, clock: EmulatorTimeClock) -> AsyncIterator[FlakyStore]:
    """A migrated store: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    async with AsyncExitStack() as stack:
        if engine == "sqlite":
            store = FlakyStore(create_engine(f"sqlite:///{folder / 'service.db'}"), clock)
        else:
            schema = await stack.enter_async_context(postgres_schema(engine, "contracts"))
            store = store_in_schema(engine, schema, clock, FlakyStore)
        stack.push_async_callback(store.close)
        await store.upgrade()
        yield store


@asynccontextmanager
async def running_stack(engine: str, folder: Path) -> AsyncIterator[InProcessStack]:
    """`engine` is "sqlite" or a PostgreSQL URL; `folder` holds the SQLite file."""
    async with (
        running_emulator() as emulator,
        running_mock([], allow_unplayed=True) as mock,
    ):
        clock = EmulatorTimeClock(emulator)
        env = {
            "QSTASH_URL": emulator.url,
            "QSTASH_TOKEN": emulator.token,
            "QSTASH_CURRENT_SIGNING_KEY": emulator.current_signing_key,
            "QSTASH_NEXT_SIGNING_KEY": emulator.next_signing_key,
            "SCRAPECREATORS_API_KEY": DEFAULT_API_KEY,
            "SCRAPECREATORS_API_URL": mock.url,
            "AUTH_MODE": "dev",
            "ADMIN_USER_IDS": ADMIN_USER,
            "LOG_LEVEL": "WARNING",
            # Short enough that the `failure_timeout` scenario's held request (5 s) times
            # out quickly; loopback answers otherwise arrive in milliseconds.
            "SCRAPECREATORS_PROFILE_TIMEOUT": "1",
        }
        async with (
            _store(engine, folder, clock) as store,
            running_service(
                env, clock=clock, store=store, qstash_retry=False, access_log=None
            ) as service,
        ):
            yield InProcessStack(emulator, mock.url, service.url, store)
