"""`scout mock`: run the ScrapeCreators mock from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from aiohttp import web

from emulator.listen import ListenError, listen
from emulator.scrapecreators.app import create_app
from emulator.scrapecreators.replay import DEFAULT_FOLDER, CassetteError, resolve
from emulator.scrapecreators.state import DEFAULT_API_KEY, DEFAULT_PORT, MODES, MockConfig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scout mock", description="Run the ScrapeCreators mock (replay or synthetic)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8090)")
    parser.add_argument("--mode", choices=MODES, default="replay", help="default replay")
    parser.add_argument(
        "--cassettes",
        action="append",
        metavar="NAME|PATH",
        help=f"cassette name, file or folder; repeatable (default: all of {DEFAULT_FOLDER})",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"accepted x-api-key; repeatable (default {DEFAULT_API_KEY})",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    try:
        sources = args.cassettes or ([DEFAULT_FOLDER] if args.mode == "replay" else [])
        config = MockConfig(
            mode=args.mode,
            api_keys=tuple(args.api_keys or [DEFAULT_API_KEY]),
            cassettes=tuple(resolve(sources)),
        )
        app = create_app(config)
    except (CassetteError, ValueError) as exc:
        print(f"scout mock: {exc}", file=sys.stderr)
        return 2
    try:
        sock = listen(args.host, args.port)
    except ListenError as exc:
        print(f"scout mock: {exc}", file=sys.stderr)
        return 2
    # The banner only once the port is ours, with the port really bound (--port 0 picks one).
    port = sock.getsockname()[1]
    url_host = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"ScrapeCreators mock ({config.mode}, {len(config.cassettes)} cassette(s)) "
        f"on http://{url_host}:{port}",
        flush=True,
    )
    with sock:
        web.run_app(app, sock=sock, print=None)
    return 0
