"""`running_service()`: the service app on a loopback port, built the way production builds it.

The one harness for the service, beside the emulator's `running_emulator()` and the mock's
`running_mock()`: `scout dev`, the contract suites' in-process stack and the tests all start
the service through it, so they cannot drift apart in how it is wired.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar

import sqlalchemy as sa
from aiohttp import web
from aiohttp.log import access_logger
from qstash.http import RetryConfig

from service.api.event_timing import EventTiming
from service.clock import Clock
from service.config.settings import Settings, load_settings
from service.keys import PARTS, Parts
from service.runtime import QSTASH_RETRY, build_app
from service.store import Store
from service.store.engine import create_engine

HOST = "127.0.0.1"
StoreT = TypeVar("StoreT", bound=Store)


def loopback_socket(port: int = 0) -> socket.socket:
    """A socket bound on loopback now (port 0: a free one), so nobody can take the port before
    the app listens on it, and the service can know its own public URL before it is built."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    return sock


def free_port() -> int:
    """A loopback port free right now, for a process started next (a bound socket cannot be
    handed to another process; should someone take the port meanwhile, that process says so)."""
    with loopback_socket() as sock:
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def port_in_use() -> Iterator[int]:
    """A loopback port something listens on for the block: to see a program refuse it."""
    with loopback_socket() as sock:
        sock.listen()
        port: int = sock.getsockname()[1]
        yield port


def socket_url(sock: socket.socket) -> str:
    return f"http://{HOST}:{sock.getsockname()[1]}"


@dataclass(frozen=True)
class RunningService:
    url: str
    app: web.Application
    settings: Settings
    store: Store

    @property
    def parts(self) -> Parts:
        return self.app[PARTS]


@asynccontextmanager
async def running_service(
    env: Mapping[str, str],
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    events: EventTiming | None = None,
    sock: socket.socket | None = None,
    qstash_token: str | None = None,
    qstash_retry: RetryConfig | Literal[False] = QSTASH_RETRY,
    access_log: logging.Logger | None = access_logger,
) -> AsyncIterator[RunningService]:
    """Serve the service on `sock` (default: a free loopback port) until the block ends.

    `env` is the service's environment, as `scout serve` reads it; `PUBLIC_BASE_URL` defaults
    to the socket's own URL. The app is `service.runtime.build_app`'s, so it is wired as in
    production: without `store`, the database at `DATABASE_URL` is migrated and closed with
    the app; a given store is the caller's to open, migrate and close. Requests are logged
    to aiohttp's access log unless `access_log` is None.
    """
    sock = sock or loopback_socket()
    try:
        settings = load_settings({"PUBLIC_BASE_URL": socket_url(sock), **env})
        app = build_app(
            settings,
            clock=clock,
            store=store,
            events=events,
            qstash_token=qstash_token,
            qstash_retry=qstash_retry,
        )
        runner = web.AppRunner(
            app, handle_signals=False, access_log=access_log, access_log_format='"%r" %s'
        )
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            yield RunningService(socket_url(sock), app, settings, app[PARTS].store)
        finally:
            await runner.cleanup()
    finally:
        sock.close()


async def create_schema(url: str, prefix: str = "scout") -> str:
    """A fresh, empty PostgreSQL schema on the database at `url`; its name."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _execute(url, f'CREATE SCHEMA "{schema}"')
    return schema


async def drop_schema(url: str, schema: str) -> None:
    await _execute(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def _execute(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_schema(url: str, prefix: str = "scout") -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL schema for the block, dropped afterwards."""
    schema = await create_schema(url, prefix)
    try:
        yield schema
    finally:
        await drop_schema(url, schema)


@asynccontextmanager
async def postgres_database(url: str, prefix: str = "scout") -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database beside the one at `url`, dropped afterwards; its URL
    (for what takes a whole database, such as `scout db upgrade` in another process)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.url.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def store_in_schema(
    url: str,
    schema: str,
    clock: Clock,
    store_type: type[StoreT],
) -> StoreT:
    """A store whose every connection resolves unqualified names in `schema` (not migrated)."""
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    return store_type(engine, clock)
