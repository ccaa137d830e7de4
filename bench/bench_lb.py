"""The scale benchmark's load balancer: a round-robin HTTP reverse proxy that counts deliveries.

Each request goes to the next backend in turn with its method, path, query, headers and body
unchanged (QStash signs the URL it calls, which is this proxy's: every backend's
PUBLIC_BASE_URL), and the backend's answer streams back as it comes (Server-Sent Events too).
`GET /_lb/stats` answers, per backend, how many requests it got and how many of them were
QStash step deliveries (`POST /api/qstash/process-scraping`) with their answers' statuses.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

STEP_PATH = "/api/qstash/process-scraping"
# Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection, not to the message.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass
class Backend:
    url: str
    requests: int = 0
    steps: Counter[int] = field(default_factory=Counter)  # step deliveries by answer status


@dataclass
class Balancer:
    backends: list[Backend]
    session: aiohttp.ClientSession
    turn: itertools.cycle[Backend] = field(init=False)

    def __post_init__(self) -> None:
        self.turn = itertools.cycle(self.backends)


BALANCER: web.AppKey[Balancer] = web.AppKey("balancer")


def _forwarded(headers: CIMultiDict[str], request: web.Request) -> CIMultiDict[str]:
    out = CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP)
    peer = request.remote or ""
    prior = out.get("X-Forwarded-For")
    out["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    return out


async def proxy(request: web.Request) -> web.StreamResponse:
    balancer = request.app[BALANCER]
    backend = next(balancer.turn)
    backend.requests += 1
    body = await request.read()
    headers = _forwarded(CIMultiDict(request.headers), request)
    async with balancer.session.request(
        request.method,
        backend.url + request.rel_url.raw_path_qs,
        headers=headers,
        data=body,
        allow_redirects=False,
    ) as upstream:
        if request.method == "POST" and request.path == STEP_PATH:
            backend.steps[upstream.status] += 1
        response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
        for name, value in upstream.headers.items():
            if name.lower() not in HOP_BY_HOP:
                response.headers.add(name, value)
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
        await response.write_eof()
    return response


async def stats(request: web.Request) -> web.Response:
    backends = request.app[BALANCER].backends
    return web.json_response(
        [
            {"url": b.url, "requests": b.requests, "steps": {str(s): n for s, n in b.steps.items()}}
            for b in backends
        ]
    )


def create_app(backends: Sequence[str]) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)

    async def session(app: web.Application) -> AsyncIterator[None]:
        # The body goes on byte for byte: no decompression, no cookies, no connection limit.
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
        ) as client:
            app[BALANCER] = Balancer([Backend(url.rstrip("/")) for url in backends], client)
            yield

    app.cleanup_ctx.append(session)
    app.router.add_get("/_lb/stats", stats)
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", action="append", required=True, help="base URL; repeat")
    args = parser.parse_args(argv)
    web.run_app(
        create_app(args.backend), host="127.0.0.1", port=args.port, print=None, access_log=None
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
