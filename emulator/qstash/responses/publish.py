"""POST /v2/publish/{destination}: accept a message for a URL destination."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash.headers import dedup_key, parse_template
from emulator.qstash.responses.common import caller_ip, destination, ok, state_of


async def publish(request: web.Request) -> web.Response:
    state = state_of(request)
    url = destination(request, "/v2/publish/")
    template = parse_template(request.headers.items(), now=state.now())
    body = await request.read()
    key = dedup_key(template, url, body)
    existing = state.find_duplicate(key)
    if existing is not None:
        return ok({"messageId": existing, "deduplicated": True}, status=202)
    message = state.accept(url, body, template, caller_ip=caller_ip(request))
    state.remember_dedup(key, message.id)
    # 200 only once the message is on disk; concurrent publishers share one commit.
    await state.store.commit()
    return ok({"messageId": message.id})
