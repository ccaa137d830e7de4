"""The dead-letter queue: list, get, delete one or many, retry."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash import deadletter, filters
from emulator.qstash.models import JsonDict
from emulator.qstash.responses.common import json_body, ok, state_of, string_list
from emulator.qstash.state import State
from emulator.qstash.views import dlq_json

_PAGE = 100


def _matching(state: State, request: web.Request) -> list[tuple[int, JsonDict]]:
    """DLQ entries matching the query's filters, newest first (or oldest with `order`)."""
    match, _ = filters.build(request.query, time_key="createdAt", refuse=filters.DESTINATION_PARTS)
    entries = [(e.seq, dlq_json(e)) for e in reversed(state.dlq.values())]
    chosen = [(seq, data) for seq, data in entries if match(data)]
    if request.query.get("order") == "earliestFirst":
        chosen.reverse()
    return chosen


async def list_dlq(request: web.Request) -> web.Response:
    state = state_of(request)
    items, cursor = filters.page(
        _matching(state, request), request.query, default=_PAGE, maximum=_PAGE
    )
    out: JsonDict = {"messages": items}
    if cursor is not None:
        out["cursor"] = cursor
    return ok(out)


async def get_dlq(request: web.Request) -> web.Response:
    return ok(dlq_json(deadletter.get(state_of(request), request.match_info["dlq_id"])))


async def delete_dlq(request: web.Request) -> web.Response:
    state = state_of(request)
    dlq_id = request.match_info["dlq_id"]
    deadletter.get(state, dlq_id)  # 404 when absent, also on a second delete
    deadletter.delete(state, [dlq_id])
    return ok({"deleted": 1})


def _selected_ids(
    state: State, request: web.Request, ids: list[str] | None
) -> tuple[list[str], str | None]:
    if ids is None and "dlqIds" in request.query:
        ids = request.query.getall("dlqIds")
    if ids is not None:
        return ids, None
    items, cursor = filters.page(
        _matching(state, request), request.query, default=_PAGE, maximum=_PAGE
    )
    return [str(item["dlqId"]) for item in items], cursor


async def delete_many(request: web.Request) -> web.Response:
    state = state_of(request)
    ids, cursor = _selected_ids(state, request, string_list(await json_body(request), "dlqIds"))
    out: JsonDict = {"deleted": deadletter.delete(state, ids)}
    if cursor is not None:
        out["cursor"] = cursor
    return ok(out)


async def retry_many(request: web.Request) -> web.Response:
    state = state_of(request)
    ids, cursor = _selected_ids(state, request, string_list(await json_body(request), "dlqIds"))
    responses = [{"messageId": deadletter.retry(state, i).id} for i in ids if i in state.dlq]
    out: JsonDict = {"responses": responses}
    if cursor is not None:
        out["cursor"] = cursor
    return ok(out, status=201)


async def retry_one(request: web.Request) -> web.Response:
    state = state_of(request)
    message = deadletter.retry(state, request.match_info["dlq_id"])
    return ok({"messageId": message.id}, status=201)
