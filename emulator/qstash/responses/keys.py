"""GET /v2/keys and POST /v2/keys/rotate."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash.responses.common import ok, state_of


async def get_keys(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok({"current": state.current_key, "next": state.next_key})


async def rotate_keys(request: web.Request) -> web.Response:
    state = state_of(request)
    state.rotate_keys()
    return ok({"current": state.current_key, "next": state.next_key})
