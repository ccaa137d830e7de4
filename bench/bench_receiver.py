"""The benchmark's trivial destination: records when each message arrives, serves the records."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

from aiohttp import web

# run name -> [message index, publisher's send time, arrival time]
Arrivals = defaultdict[str, list[tuple[int, float, float]]]
ARRIVALS: web.AppKey[Arrivals] = web.AppKey("arrivals")


async def receive(request: web.Request) -> web.Response:
    arrived = time.time()
    body = json.loads(await request.read())
    request.app[ARRIVALS][body["run"]].append((body["i"], body["t"], arrived))
    return web.Response(text="ok")


async def count(request: web.Request) -> web.Response:
    return web.json_response(len(request.app[ARRIVALS].get(request.query["run"], ())))


async def results(request: web.Request) -> web.Response:
    return web.json_response(request.app[ARRIVALS].pop(request.query["run"], []))


def create_app() -> web.Application:
    app = web.Application()
    arrivals: Arrivals = defaultdict(list)
    app[ARRIVALS] = arrivals
    app.router.add_get("/_count", count)
    app.router.add_get("/_results", results)
    app.router.add_post("/{tail:.*}", receive)
    return app


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    web.run_app(create_app(), host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
