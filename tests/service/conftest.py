"""Service test fixtures: stores on SQLite (always) and PostgreSQL (when configured), clocks."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator, running_emulator
from service.api.event_timing import EventTiming
from service.app import create_app
from service.clock import ManualClock
from service.config.settings import Settings, load_settings
from service.qstash.publisher import close_qstash
from service.store import Store
from service.store.engine import create_engine
from service.store.tables import metadata

POSTGRES_URL_VAR = "SCOUT_TEST_POSTGRES_URL"
# Event streams heartbeat every 5 s of the manual clock and look every 10 ms of the wall clock.
EVENT_TIMING = EventTiming(heartbeat_seconds=5.0, poll_seconds=0.01)


async def _create_schema(url: str, schema: str, *, drop: bool) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            verb = (
                f'DROP SCHEMA IF EXISTS "{schema}" CASCADE' if drop else f'CREATE SCHEMA "{schema}"'
            )
            await conn.execute(sa.text(verb))
    finally:
        await engine.dispose()


def _postgres_store(url: str, schema: str, clock: ManualClock) -> Store:
    # Every connection of this engine resolves unqualified names in the session's own schema.
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    return Store(engine, clock)


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up work on its own loop in a thread: the caller may sit inside a test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema for this test session (migrated once), dropped at the end."""
    url = os.environ.get(POSTGRES_URL_VAR)
    if not url:
        if os.environ.get("SCOUT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"SCOUT_REQUIRE_POSTGRES=1 but {POSTGRES_URL_VAR} is not set")
        pytest.skip(f"set {POSTGRES_URL_VAR} to run the PostgreSQL store tests")
    schema = f"scout_test_{uuid.uuid4().hex[:12]}"
    _run(_create_schema(url, schema, drop=False))

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
        _run(_create_schema(url, schema, drop=True))


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


def free_socket() -> socket.socket:
    """A listening-ready socket on a free loopback port (bound now, so no one can take it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL that refuses connections: its port is bound (so no one else gets it) but
    never listens."""
    sock = free_socket()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@dataclass
class ServiceStack:
    """The service app on a real loopback port, talking to an in-process QStash emulator."""

    client: TestClient[web.Request, web.Application]
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
    sock = free_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # ScrapeCreators is not under test here: a bound port that never listens refuses at once.
    refusing = free_socket()
    try:
        async with running_emulator() as emulator, httpx.AsyncClient() as http:
            settings = load_settings(
                settings_env(
                    **{
                        "QSTASH_URL": emulator.url,
                        "QSTASH_TOKEN": emulator.token,
                        "QSTASH_CURRENT_SIGNING_KEY": emulator.current_signing_key,
                        "QSTASH_NEXT_SIGNING_KEY": emulator.next_signing_key,
                        "PUBLIC_BASE_URL": base_url,
                        "SCRAPECREATORS_API_URL": f"http://127.0.0.1:{refusing.getsockname()[1]}",
                        **env,
                    }
                )
            )
            token = emulator.token if publish_token is None else publish_token
            qstash = AsyncQStash(token, base_url=emulator.url, retry=False)
            app = create_app(
                settings, clock=clock, store=store, http=http, qstash=qstash, events=EVENT_TIMING
            )
            server = TestServer(app, socket_factory=lambda *_: sock)
            try:
                async with TestClient(server) as client:
                    yield ServiceStack(client, app, emulator, store, clock, settings)
            finally:
                await close_qstash(qstash)
    finally:
        sock.close()
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
