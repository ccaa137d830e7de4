"""Command line of the service: `scout serve` and `scout db upgrade|current`."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from service.config.settings import LogFormat, SettingsError, load_database_settings, load_settings
from service.logs import configure_logging
from service.store import Store
from service.store.migrate import current_revision, head_revision
from service.store.reach import DatabaseUnavailable
from service.store.urls import is_sqlite, parse_database_url

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


def _fail(message: str) -> int:
    print(f"scout: {message}", file=sys.stderr)
    return 2


def _listen(host: str, port: int) -> socket.socket:
    """Bind before anything else starts, so a port in use fails before a file is written."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp's own sites do
        sock.bind(address)
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="scout serve", description="run the scraping service")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"bind address ({DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    args = parser.parse_args(list(argv))
    try:
        settings = load_settings()
    except SettingsError as error:
        return _fail(str(error))
    try:
        sock = _listen(args.host, args.port)
    except (OSError, OverflowError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return _fail(f"cannot listen on {args.host}:{args.port}: {reason}")
    configure_logging(json_format=settings.log_format is LogFormat.JSON, level=settings.log_level)
    from service.runtime import build_app  # the heavy imports only when serving

    with sock:
        try:
            web.run_app(build_app(settings), sock=sock, access_log=None)
        except DatabaseUnavailable as error:
            return _fail(str(error))
    return 0


async def _db(action: str, database_url: str) -> str:
    from service.clock import SystemClock

    store = Store.open(database_url, SystemClock())
    try:
        if action == "upgrade":
            await store.upgrade()
            return f"database at revision {await current_revision(store.engine)}"
        current = await current_revision(store.engine)
        return f"current revision {current or 'none'} (head {head_revision()})"
    finally:
        await store.close()


def _missing_file(database_url: str) -> str | None:
    """The SQLite file the URL names, when it does not exist (None for anything else)."""
    url = parse_database_url(database_url)
    if not is_sqlite(url) or url.database in (None, "", ":memory:"):
        return None
    path = str(url.database)
    return None if Path(path).exists() else path


def db(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="scout db", description="manage the service database")
    parser.add_argument("action", choices=["upgrade", "current"], help="apply migrations or show")
    parser.add_argument("--database-url", help="overrides DATABASE_URL")
    args = parser.parse_args(list(argv))
    try:
        env = None if args.database_url is None else {"DATABASE_URL": args.database_url}
        settings = load_database_settings(env)
    except SettingsError as error:
        return _fail(str(error))
    missing = _missing_file(settings.database_url)
    if args.action == "current" and missing is not None:
        # A read creates nothing (opening a missing SQLite file would create it).
        print(f"current revision none (head {head_revision()}): no database at {missing}")
        return 0
    try:
        print(asyncio.run(_db(args.action, settings.database_url)))
    except DatabaseUnavailable as error:
        return _fail(str(error))
    return 0
