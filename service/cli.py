"""Command line of the service: `scout serve` and `scout db upgrade|current`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from service.logs import configure_logging
from service.settings import LogFormat, SettingsError, load_database_settings, load_settings
from service.store import Store
from service.store.migrate import current_revision, head_revision

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


def _fail(message: str) -> int:
    print(f"scout: {message}", file=sys.stderr)
    return 2


def serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="scout serve", description="run the scraping service")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"bind address ({DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    args = parser.parse_args(list(argv))
    try:
        settings = load_settings()
    except SettingsError as error:
        return _fail(str(error))
    configure_logging(json_format=settings.log_format is LogFormat.JSON, level=settings.log_level)
    from service.runtime import build_app  # the heavy imports only when serving

    try:
        web.run_app(build_app(settings), host=args.host, port=args.port, access_log=None)
    except OSError as error:
        return _fail(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}")
    except SQLAlchemyError as error:
        return _fail(f"database unavailable: {error.__class__.__name__}: {error}".splitlines()[0])
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
    try:
        print(asyncio.run(_db(args.action, settings.database_url)))
    except (SQLAlchemyError, OSError) as error:
        return _fail(f"database unavailable: {error}".splitlines()[0])
    return 0
