"""GET/DELETE /v2/messages/{id} and bulk DELETE /v2/messages."""

from __future__ import annotations

from itertools import islice

from aiohttp import web
from multidict import MultiMapping

from emulator.qstash import filters
from emulator.qstash.responses.common import json_body, ok, state_of, string_list
from emulator.qstash.state import State
from emulator.qstash.views import message_json

# A bulk cancel by filter (or of all) acts on at most `count` messages per call, 100 unless
# given; callers repeat it until it answers 0. Cancels by explicit ids are not limited.
BULK_CANCEL_COUNT = 100


async def get_message(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok(message_json(state.read_message(request.match_info["message_id"])))


async def cancel_message(request: web.Request) -> web.Response:
    state = state_of(request)
    message_id = request.match_info["message_id"]
    state.get_message(message_id)  # 404 when unknown or already done
    cancelled = state.cancel([message_id])
    return ok({"cancelled": cancelled})


def _matching_ids(state: State, query: MultiMapping[str]) -> list[str]:
    """At most `count` pending messages the filters match (any without a filter), earliest
    accepted first (after a restart: earliest due first, the order they are reloaded in)."""
    limit = filters.count_param(query, default=BULK_CANCEL_COUNT, maximum=None)
    match, filtered = filters.build(query, time_key="createdAt")
    pending = state.messages.values()
    chosen = (m for m in pending if match(message_json(m))) if filtered else iter(pending)
    return [m.id for m in islice(chosen, limit)]


async def cancel_many(request: web.Request) -> web.Response:
    """Ids from a JSON body (Python SDK) or repeated query `messageIds` (TypeScript SDK) win;
    otherwise the filters choose; no ids and no filters cancels everything pending."""
    state = state_of(request)
    ids = string_list(await json_body(request), "messageIds")
    if ids is None and "messageIds" in request.query:
        ids = request.query.getall("messageIds")
    if ids is None:
        ids = _matching_ids(state, request.query)
    cancelled = state.cancel(ids)
    return ok({"cancelled": cancelled})
