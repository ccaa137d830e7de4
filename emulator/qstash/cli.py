"""The `qstash-emulator` (and `scout emulator`) command: parse flags, serve, print the env lines."""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import socket
import sys
from collections.abc import Sequence
from typing import NoReturn

from aiohttp import web

from emulator.durations import parse_duration
from emulator.listen import ListenError, listen
from emulator.qstash.app import build, create_app
from emulator.qstash.config import (
    DEFAULT_CURRENT_KEY,
    DEFAULT_DB,
    DEFAULT_HOST,
    DEFAULT_NEXT_KEY,
    DEFAULT_PORT,
    DEFAULT_TOKEN,
    Config,
)
from emulator.qstash.quota import QUOTA_CHOICES
from emulator.qstash.store import StoreError

PROG = "qstash-emulator"


class UsageError(Exception):
    """A bad command line; reported on one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _duration(text: str) -> float:
    """A Go duration (`500ms`, `5s`, `1m`), not negative; argparse names the flag on failure."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return seconds


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="A local QStash v2 server for development and tests.")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on ({DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT}; 0 = any)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="PATH", default=DEFAULT_DB, help="SQLite file for state")
    where.add_argument("--memory", action="store_true", help="keep state in memory only")
    p.add_argument("--token", default=DEFAULT_TOKEN, help="the QSTASH_TOKEN clients must send")
    p.add_argument("--current-key", default=DEFAULT_CURRENT_KEY, help="current signing key")
    p.add_argument("--next-key", default=DEFAULT_NEXT_KEY, help="next signing key")
    p.add_argument(
        "--manual-clock",
        action="store_true",
        help="time moves only through the control API (POST /_emulator/clock)",
    )
    p.add_argument(
        "--retain-delivered",
        metavar="DURATION",
        type=_duration,
        default=0.0,
        help="keep delivered messages readable by GET /v2/messages/{id} this long "
        "(e.g. 5s; default 0: gone once delivered)",
    )
    p.add_argument(
        "--quota",
        choices=QUOTA_CHOICES,
        default="none",
        help="enforce this QStash plan's limits, like the dev server's -quota (none)",
    )
    return p


def banner(base_url: str, token: str, current_key: str, next_key: str) -> str:
    # "running at" matches what the TypeScript SDK's dev mode waits for on stdout.
    return "\n".join(
        [
            f"QStash emulator running at {base_url}",
            f"Dashboard at {base_url}/_emulator/ui/",
            "",
            f"QSTASH_URL={base_url}",
            f"QSTASH_TOKEN={token}",
            f"QSTASH_CURRENT_SIGNING_KEY={current_key}",
            f"QSTASH_NEXT_SIGNING_KEY={next_key}",
        ]
    )


async def serve(config: Config, host: str, sock: socket.socket) -> None:
    """Serve on `sock` (already bound: a busy port never gets as far as creating the database)."""
    emulator = build(config)
    runner = web.AppRunner(create_app(emulator), handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.SockSite(runner, sock)
        await site.start()
        bound = runner.addresses[0][1]
        state = emulator.state
        url_host = f"[{host}]" if ":" in host else host
        text = banner(f"http://{url_host}:{bound}", state.token, state.current_key, state.next_key)
        print(text, flush=True)
        # Full garbage collections walk every live message and event: with a hundred thousand
        # of them a pass takes tens of milliseconds and shows as late deliveries. Start-up
        # objects are frozen out of it, and young collections (which find the short-lived
        # request garbage) run less often, so full passes become rare.
        gc.collect()
        gc.freeze()
        gc.set_threshold(20_000, 50, 1000)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser().parse_args(args_list)
        if not 0 <= args.port <= 65535:
            raise UsageError(f"argument --port: {args.port} is not a port number")
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    config = Config(
        db_path=None if args.memory else args.db,
        token=args.token,
        current_key=args.current_key,
        next_key=args.next_key,
        manual_clock=args.manual_clock,
        retain_delivered=args.retain_delivered,
        quota=args.quota,
    )
    try:
        sock = listen(args.host, args.port)
    except ListenError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    try:
        with sock:
            asyncio.run(serve(config, args.host, sock))
    except StoreError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
