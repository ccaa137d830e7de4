"""Helpers every /v2 handler shares: reading the raw destination, JSON bodies and the caller."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from emulator.qstash.appkeys import STATE
from emulator.qstash.errors import bad_request
from emulator.qstash.state import State

# Query parameters meant for QStash itself, never forwarded to the destination.
_RESERVED_QUERY = ("qstash_token",)


def state_of(request: web.Request) -> State:
    return request.app[STATE]


def raw_destination(request: web.Request, prefix: str) -> str:
    """The destination exactly as sent: from the raw path (keeping `//` and percent-escapes)
    plus the raw query string, minus QStash's own parameters. A URL or a URL group name."""
    raw = request.raw_path
    path, _, query = raw.partition("?")
    if not path.startswith(prefix):
        raise bad_request("invalid destination url")
    target = path[len(prefix) :]
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _for_qstash(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
        if query:
            target = f"{target}?{query}"
    return target


def _for_qstash(name: str) -> bool:
    low = name.lower()
    return low in _RESERVED_QUERY or low.startswith("upstash-")


def config_items(request: web.Request) -> list[tuple[str, str]]:
    """The request's headers, then any `upstash-*` query parameters (webhook mode: a sender
    that cannot set headers configures the message in the URL). A header wins over the same
    setting in the query."""
    items = list(request.headers.items())
    _, _, query = request.raw_path.partition("?")
    if query:
        items += [(k, v) for k, v in parse_qsl(query) if k.lower().startswith("upstash-")]
    return items


def caller_ip(request: web.Request) -> str | None:
    return request.remote


async def json_body(request: web.Request, *, required: bool = False) -> Any:
    """The parsed JSON body, or None when there is none (and none is required)."""
    raw = await request.read()
    if not raw.strip():
        if required:
            raise bad_request("request body: a JSON body is required")
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"request body: invalid JSON: {exc}") from None


def string_list(data: Any, field: str) -> list[str] | None:
    """data[field] as a list of strings, or None when data has no such field."""
    if not isinstance(data, dict) or field not in data:
        return None
    value = data[field]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{field}: must be a list of strings")
    return value


def ok(data: Any = None, *, status: int = 200) -> web.Response:
    if data is None:
        return web.Response(status=status)
    return web.json_response(data, status=status)


async def change(
    request: web.Request, make: Callable[[State, str], object], key: str
) -> web.Response:
    """Apply `make` to the state with the path parameter `key` and answer an empty 200
    (the error middleware answers only once the change is on disk)."""
    make(state_of(request), request.match_info[key])
    return ok()
