"""Background publish load from its own process, so the process that measures stays idle.

Usage: python bench/bench_flood.py --target URL --token T --destination URL --run NAME
    [--publishers 64] [--seconds 60] [--cap 100000]
Prints "ready" once the first publish is answered, floods until a line (or EOF) arrives on
stdin or --seconds pass, then prints how many messages it published.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

import aiohttp
from bench_load import Target, publish_many, publish_one


async def flood(args: argparse.Namespace) -> int:
    target = Target("emulator", args.target, args.token, os.getpid())
    stop = asyncio.Event()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        # One publish first, so "ready" means the target answers, then the flood.
        await publish_one(session, target, args.destination, args.run, 0)
        print("ready", flush=True)
        load = asyncio.create_task(
            publish_many(
                session,
                target,
                args.destination,
                args.run,
                range(1, args.cap),
                args.publishers,
                stop=stop,
            )
        )
        told = asyncio.ensure_future(asyncio.to_thread(sys.stdin.readline))
        await asyncio.wait({load, told}, timeout=args.seconds, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        return 1 + len(await load)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--target", required=True, help="the QStash-like server's base URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--destination", required=True, help="where the load is delivered")
    parser.add_argument("--run", required=True, help="run name recorded by the receiver")
    parser.add_argument("--publishers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0, help="the longest the load lasts")
    parser.add_argument("--cap", type=int, default=100_000, help="at most this many messages")
    args = parser.parse_args(argv)
    print(asyncio.run(flood(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
