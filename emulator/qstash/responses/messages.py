"""GET/DELETE /v2/messages/{id} and bulk DELETE /v2/messages."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash import filters
from emulator.qstash.responses.common import json_body, ok, state_of, string_list
from emulator.qstash.views import message_json


async def get_message(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok(message_json(state.get_message(request.match_info["message_id"])))


async def cancel_message(request: web.Request) -> web.Response:
    state = state_of(request)
    message_id = request.match_info["message_id"]
    state.get_message(message_id)  # 404 when unknown or already done
    cancelled = state.cancel([message_id])
    await state.store.commit()
    return ok({"cancelled": cancelled})


async def cancel_many(request: web.Request) -> web.Response:
    """Ids from a JSON body (Python SDK) or repeated query `messageIds` (TypeScript SDK) win;
    otherwise the filters choose; no ids and no filters cancels everything pending."""
    state = state_of(request)
    ids = string_list(await json_body(request), "messageIds")
    if ids is None and "messageIds" in request.query:
        ids = request.query.getall("messageIds")
    if ids is None:
        match, _ = filters.build(request.query, time_key="createdAt")
        ids = [m.id for m in list(state.messages.values()) if match(message_json(m))]
    cancelled = state.cancel(ids)
    await state.store.commit()
    return ok({"cancelled": cancelled})
