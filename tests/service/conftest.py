"""Service test fixtures: stores on SQLite (always) and PostgreSQL (when configured), clocks."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web

from emulator.qstash.testing import RunningEmulator, running_emulator
from service.api.event_timing import EventTiming
from service.clock import ManualClock
from service.config.settings import Settings
from service.store import Store
from service.store.tables import metadata
from service.testing import (
    create_schema,
    drop_schema,
    loopback_socket,
    running_service,
    socket_url,
    store_in_schema,
)

T = TypeVar("T")

POSTGRES_URL_VAR = "SCOUT_TEST_POSTGRES_URL"
# Event streams heartbeat every 5 s of the manual clock and look every 10 ms of the wall clock.
EVENT_TIMING = EventTiming(heartbeat_seconds=5.0, poll_seconds=0.01)


def _postgres_store(url: str, schema: str, clock: ManualClock) -> Store:
    return store_in_schema(url, schema, clock, Store)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run set-up work on its own loop in a thread: the caller may sit inside a test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema for this test session (migrated once), dropped at the end."""
    url = os.environ.get(POSTGRES_URL_VAR)
    if not url:
        if os.environ.get("SCOUT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"SCOUT_REQUIRE_POSTGRES=1 but {POSTGRES_URL_VAR} is not set")
        pytest.skip(f"set {POSTGRES_URL_VAR} to run the PostgreSQL store tests")
    schema = _run(create_schema(url, "scout_test"))

    async def migrate() -> None:
        store = _postgres_store(url, schema, ManualClock())
        try:
            await store.upgrade()
        finally:
            await store.close()

    _run(migrate())
    try:
        yield url, schema
    finally:
        _run(drop_schema(url, schema))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per session; each test gets a copy (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "scout.db"

    async def migrate() -> None:
        store = Store.open(f"sqlite:///{path}", ManualClock())
        try:
            await store.upgrade()
        finally:
            await store.close()  # closing the last connection folds the WAL into the file

    _run(migrate())
    return path


def _sqlite_copy(template: Path, tmp_path: Path, clock: ManualClock) -> Store:
    target = tmp_path / "scout.db"
    shutil.copyfile(template, target)
    return Store.open(f"sqlite:///{target}", clock)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sqlite_store(
    sqlite_template: Path, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Store]:
    store = _sqlite_copy(sqlite_template, tmp_path, clock)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[Store]:
    """A migrated, empty store on each engine; the same test runs against both."""
    if request.param == "sqlite":
        store = _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path, clock)
    else:
        url, schema = request.getfixturevalue("postgres_schema")
        store = _postgres_store(url, schema, clock)
        async with store.engine.begin() as conn:
            names = ", ".join(table.name for table in reversed(metadata.sorted_tables))
            await conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    try:
        yield store
    finally:
        await store.close()


def settings_env(**overrides: str) -> dict[str, str]:
    """A complete environment for load_settings (dev auth, emulator defaults)."""
    env = {
        "QSTASH_URL": "http://127.0.0.1:9",
        "QSTASH_TOKEN": "test-token",
        "QSTASH_CURRENT_SIGNING_KEY": "sig_current",
        "QSTASH_NEXT_SIGNING_KEY": "sig_next",
        "SCRAPECREATORS_API_KEY": "dev-key",
        "SCRAPECREATORS_API_URL": "http://127.0.0.1:9",
        "PUBLIC_BASE_URL": "http://127.0.0.1:3000",
        "AUTH_MODE": "dev",
        "ADMIN_USER_IDS": "admin",
    }
    env.update(overrides)
    return env


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL that refuses connections: its port is bound (so no one else gets it) but
    never listens."""
    sock = loopback_socket()
    try:
        yield socket_url(sock)
    finally:
        sock.close()


@dataclass
class ServiceStack:
    """The service app on a real loopback port, talking to an in-process QStash emulator."""

    client: aiohttp.ClientSession  # relative URLs go to the service
    url: str
    app: web.Application
    emulator: RunningEmulator
    store: Store
    clock: ManualClock
    settings: Settings

    @staticmethod
    def auth(user: str = "user-1") -> dict[str, str]:
        return {"Authorization": f"Bearer dev:{user}"}

    async def campaign(self, user: str = "user-1") -> str:
        response = await self.client.post(
            "/api/campaigns", json={"name": "Spring launch"}, headers=self.auth(user)
        )
        assert response.status == 201, await response.text()
        campaign_id: str = (await response.json())["id"]
        return campaign_id


@asynccontextmanager
async def service_stack(
    store: Store,
    clock: ManualClock,
    *,
    publish_token: str | None = None,
    **env: str,
) -> AsyncIterator[ServiceStack]:
    """The stack; `publish_token` gives the SDK client another token (to make QStash refuse)."""
    # ScrapeCreators is not under test here: a bound port that never listens refuses at once.
    refusing = loopback_socket()
    try:
        async with running_emulator() as emulator:
            service_env = settings_env(
                **{
                    "QSTASH_URL": emulator.url,
                    "QSTASH_TOKEN": emulator.token,
                    "QSTASH_CURRENT_SIGNING_KEY": emulator.current_signing_key,
                    "QSTASH_NEXT_SIGNING_KEY": emulator.next_signing_key,
                    "SCRAPECREATORS_API_URL": socket_url(refusing),
                    **env,
                }
            )
            del service_env["PUBLIC_BASE_URL"]  # the service's own URL, once it has a port
            async with (
                running_service(
                    service_env,
                    clock=clock,
                    store=store,
                    events=EVENT_TIMING,
                    qstash_token=publish_token,
                    qstash_retry=False,
                ) as service,
                aiohttp.ClientSession(base_url=service.url) as client,
            ):
                yield ServiceStack(
                    client, service.url, service.app, emulator, store, clock, service.settings
                )
    finally:
        refusing.close()


@pytest.fixture
async def stack(sqlite_store: Store, clock: ManualClock) -> AsyncIterator[ServiceStack]:
    async with service_stack(sqlite_store, clock) as running:
        yield running


@pytest.fixture
async def second_store(
    request: pytest.FixtureRequest, store: Store, clock: ManualClock
) -> AsyncIterator[Store]:
    """Another Store on `store`'s database: what a second instance of the service holds."""
    if store.engine.dialect.name == "postgresql":
        url, schema = request.getfixturevalue("postgres_schema")
        other = _postgres_store(url, schema, clock)
    else:
        other = Store.open(store.engine.url.render_as_string(hide_password=False), clock)
    try:
        yield other
    finally:
        await other.close()
