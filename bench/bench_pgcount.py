"""The scale benchmark's statement counter: a PostgreSQL TCP relay that counts what clients run.

Bytes pass through unchanged both ways; the client-to-server stream is read as the PostgreSQL
frontend protocol (v3) and every `Query` (simple protocol: BEGIN, COMMIT, …) and `Execute`
(extended protocol: each run of a prepared statement) message is counted as one statement.
It counts on the wire, so it needs no server extension and sees only the clients that
connect through it (the benchmark's own queries go to the server directly). An SSL or GSSAPI
encryption request is answered "no" here, so the stream stays readable (loopback only).
`GET /stats` on `--stats-port` answers `{"statements", "connections"}`.
"""

from __future__ import annotations

import argparse
import asyncio
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102  # sent on a connection of its own: not a session
STATEMENTS = frozenset(b"QE")  # Query, Execute
CHUNK = 65536


@dataclass
class Counts:
    statements: int = 0
    connections: int = 0


class FrontendReader:
    """Splits the client's byte stream into protocol messages, counting the statements."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.buffer = bytearray()
        self.position = 0  # start of the next message in `buffer`

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) - self.position >= 5:
            kind = self.buffer[self.position]
            (length,) = struct.unpack_from("!I", self.buffer, self.position + 1)
            end = self.position + 1 + length
            if end > len(self.buffer):
                break
            if kind in STATEMENTS:
                self.counts.statements += 1
            self.position = end
        # Keep only the unread tail.
        del self.buffer[: self.position]
        self.position = 0


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _startup(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> bytes | None:
    """Read the untyped opening messages; return the startup message to forward (None: gone)."""
    while True:
        try:
            head = await client_r.readexactly(8)
        except asyncio.IncompleteReadError:
            return None
        length, code = struct.unpack("!II", head)
        rest = await client_r.readexactly(length - 8)
        if code in (SSL_REQUEST, GSSENC_REQUEST):
            client_w.write(b"N")  # no encryption: the client goes on in the clear
            await client_w.drain()
            continue
        return head + rest  # a startup or cancel request


@dataclass(frozen=True)
class Relay:
    """Serves one client connection: the server's bytes back as they are, the client's counted."""

    counts: Counts
    host: str
    port: int

    async def __call__(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        startup = await _startup(client_r, client_w)
        if startup is None:
            client_w.close()
            return
        if struct.unpack("!I", startup[4:8])[0] != CANCEL_REQUEST:
            self.counts.connections += 1
        server_r, server_w = await asyncio.open_connection(self.host, self.port)
        server_w.write(startup)
        frontend = FrontendReader(self.counts)

        async def upstream() -> None:
            try:
                while data := await client_r.read(CHUNK):
                    frontend.feed(data)
                    server_w.write(data)
                    await server_w.drain()
            except ConnectionError:
                pass
            finally:
                server_w.close()

        await asyncio.gather(upstream(), _pump(server_r, client_w))


async def serve(port: int, stats_port: int, target: str) -> None:
    host, _, target_port = target.rpartition(":")
    counts = Counts()
    server = await asyncio.start_server(Relay(counts, host, int(target_port)), "127.0.0.1", port)

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(
            {"statements": counts.statements, "connections": counts.connections}
        )

    app = web.Application()
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", stats_port).start()
    async with server:
        await server.serve_forever()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="where clients connect")
    parser.add_argument("--stats-port", type=int, required=True)
    parser.add_argument("--target", default="127.0.0.1:5432", help="the PostgreSQL server")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, args.stats_port, args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
