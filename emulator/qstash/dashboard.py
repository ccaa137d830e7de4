"""The dashboard at /_emulator/ui/: its static files, its config, its live feed and list routes."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from itertools import islice

from aiohttp import web

from emulator.qstash import filters, schedules
from emulator.qstash.appkeys import DISPATCHER, STATE
from emulator.qstash.errors import bad_request
from emulator.qstash.models import JsonDict, ms
from emulator.qstash.views import message_json, schedule_json

PREFIX = "/_emulator/ui/"
_ASSETS = {
    "core.js": "text/javascript",
    "messages.js": "text/javascript",
    "dlq.js": "text/javascript",
    "schedules.js": "text/javascript",
    "events.js": "text/javascript",
    "queues.js": "text/javascript",
    "urlgroups.js": "text/javascript",
    "app.js": "text/javascript",
    "app.css": "text/css",
    "index.html": "text/html",
}
HEARTBEAT = 15.0  # seconds between comments that keep proxies from closing an idle stream
COALESCE = 0.2  # seconds: changes within this window are sent as one notice
MESSAGES_PAGE = 50
MESSAGES_PAGE_MAX = 1000


def _asset(name: str) -> web.Response:
    text = resources.files("emulator.qstash.ui").joinpath(name).read_text(encoding="utf-8")
    return web.Response(
        text=text, content_type=_ASSETS[name], headers={"Cache-Control": "no-cache"}
    )


async def root(_: web.Request) -> web.Response:
    raise web.HTTPFound(PREFIX)


async def index(_: web.Request) -> web.Response:
    return _asset("index.html")


async def asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _ASSETS:
        raise web.HTTPNotFound()
    return _asset(name)


async def config(request: web.Request) -> web.Response:
    """What the page needs to call /v2 and to show the env lines. The token is served to
    anyone who can reach the emulator: it is a local development tool bound to loopback,
    and its token is a published default unless the user chose one."""
    state = request.app[STATE]
    base = f"{request.scheme}://{request.host}"
    return web.json_response(
        {
            "token": state.token,
            "currentSigningKey": state.current_key,
            "nextSigningKey": state.next_key,
            "env": [
                f"QSTASH_URL={base}",
                f"QSTASH_TOKEN={state.token}",
                f"QSTASH_CURRENT_SIGNING_KEY={state.current_key}",
                f"QSTASH_NEXT_SIGNING_KEY={state.next_key}",
            ],
        }
    )


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `changed` with the kinds of state that changed, coalesced; the page
    refetches only the view it shows. Ends when the emulator shuts down."""
    changes = request.app[STATE].changes
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    feed = changes.subscribe()
    try:
        await response.prepare(request)  # inside: the page may be gone before the headers
        await response.write(b"retry: 1000\n\n")
        while not changes.closed():
            try:
                await asyncio.wait_for(feed.wake.wait(), HEARTBEAT)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if changes.closed():
                break
            await asyncio.sleep(COALESCE)
            kinds = sorted(feed.take())
            await response.write(f"event: changed\ndata: {json.dumps(kinds)}\n\n".encode())
    except ConnectionResetError:
        pass  # the page went away
    finally:
        changes.unsubscribe(feed)
    return response


async def counts(request: web.Request) -> web.Response:
    """The overview's counts: what the emulator holds now, attempts running now, and messages
    delivered or failed since the emulator started (or was reset)."""
    state = request.app[STATE]
    retrying = sum(1 for m in state.messages.values() if m.retried)
    return web.json_response(
        {
            "pending": len(state.messages) - retrying,
            "retrying": retrying,
            "inFlight": request.app[DISPATCHER].in_flight,
            "delivered": state.delivered_count,
            "failed": state.failed_count,
            "DLQ": len(state.dlq),
            "schedules": len(state.schedules),
        }
    )


def _row(message_json_: JsonDict, deliver_at: float, retried: int) -> JsonDict:
    return {**message_json_, "nextDeliveryTime": ms(deliver_at), "attempt": retried + 1}


async def list_messages(request: web.Request) -> web.Response:
    """Pending messages, earliest accepted first, `count` a page; the cursor is the offset of
    the next page. Filters are those of the bulk cancel (url, queueName, label, ...)."""
    state = request.app[STATE]
    count = filters.count_param(request.query, default=MESSAGES_PAGE, maximum=MESSAGES_PAGE_MAX)
    raw = request.query.get("cursor") or "0"
    try:
        offset = int(raw)
    except ValueError:
        raise bad_request(f"invalid cursor: {raw!r} is not an integer") from None
    match, filtered = filters.build(request.query, time_key="createdAt")
    rows = (_row(message_json(m), m.deliver_at, m.retried) for m in list(state.messages.values()))
    chosen = (row for row in rows if match(row)) if filtered else rows
    page = list(islice(chosen, offset, offset + count + 1))
    more = len(page) > count
    return web.json_response(
        {
            "messages": page[:count],
            "cursor": str(offset + count) if more else None,
            # Counting every match of a filter would render every pending message.
            "total": None if filtered else len(state.messages),
        }
    )


async def deliver_now(request: web.Request) -> web.Response:
    state = request.app[STATE]
    message = state.deliver_now(request.match_info["message_id"])
    # A manual clock launches nothing by itself: start what is due now (this message, and
    # anything else already due) without moving time.
    dispatcher = request.app[DISPATCHER]
    dispatcher.launch_due()
    dispatcher.wake()
    return web.json_response(message_json(message))


async def trigger_schedule(request: web.Request) -> web.Response:
    """Fire a schedule's tick now, paused or not; its messages are delivered as published."""
    schedule = schedules.trigger(request.app[STATE], request.match_info["schedule_id"])
    dispatcher = request.app[DISPATCHER]
    dispatcher.launch_due()
    dispatcher.wake()
    return web.json_response(schedule_json(schedule))


async def on_shutdown(app: web.Application) -> None:
    app[STATE].changes.close()


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", root)
    r.add_get("/_emulator/ui", root)
    r.add_get(PREFIX, index)
    r.add_get(PREFIX + "config", config)
    r.add_get(PREFIX + "stream", stream)
    r.add_get(PREFIX + "counts", counts)
    r.add_get(PREFIX + "{name}", asset)
    r.add_get("/_emulator/messages", list_messages)
    r.add_post("/_emulator/messages/{message_id}/deliver", deliver_now)
    r.add_post("/_emulator/schedules/{schedule_id}/trigger", trigger_schedule)
    app.on_shutdown.append(on_shutdown)
