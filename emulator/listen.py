"""Bind a command's listening socket first, so a port in use fails before anything is written."""

from __future__ import annotations

import socket


class ListenError(Exception):
    """The address cannot be bound; the message is `cannot listen on HOST:PORT: reason`."""


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket on `host:port` (port 0: any free one)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, OverflowError) as error:
        raise ListenError(_message(host, port, error)) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp's own sites do
        sock.bind(address)
        sock.listen(128)
    except (OSError, OverflowError) as error:
        sock.close()
        raise ListenError(_message(host, port, error)) from None
    return sock


def _message(host: str, port: int, error: Exception) -> str:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else error
    return f"cannot listen on {host}:{port}: {reason}"
