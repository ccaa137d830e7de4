"""GET /v2/events (and /v2/logs): the event log, newest first, filtered and paged."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash.models import JsonDict
from emulator.qstash.responses.common import ok, state_of


async def list_events(request: web.Request) -> web.Response:
    events, cursor = state_of(request).events.list(request.query)
    # The SDKs read `events`; the OpenAPI document says `logs`: both keys carry the list.
    out: JsonDict = {"events": events, "logs": events}
    if cursor is not None:
        out["cursor"] = cursor
    return ok(out)
