"""The emulator-only control API (/_emulator/): clock, pause, drain, reset, transcript, faults."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator import faultroutes
from emulator.durations import seconds
from emulator.errors import FieldError
from emulator.qstash.appkeys import DELIVERY, DISPATCHER, STATE
from emulator.qstash.errors import bad_request
from emulator.qstash.models import JsonDict, ms
from emulator.qstash.responses.common import json_body, ok


def to_seconds(value: Any, field: str) -> float:
    """A duration given as seconds (a number or "2") or Go syntax ("2s", "1h30m", "1d")."""
    try:
        return seconds(value, field)
    except FieldError as exc:
        raise bad_request(str(exc)) from None


def _clock(request: web.Request) -> JsonDict:
    state = request.app[STATE]
    now = state.now()
    return {
        "now": ms(now),
        "nowSeconds": now,
        "mode": "manual" if state.clock.manual else "system",
        "paused": request.app[DISPATCHER].paused,
        "pending": len(state.messages),
        "nextDue": None if (t := state.due.next_time()) is None else ms(t),
    }


async def get_clock(request: web.Request) -> web.Response:
    return ok(_clock(request))


async def set_clock(request: web.Request) -> web.Response:
    """`{"mode": "manual"|"system"}` switches time source; `{"advance": "2s"}` moves time
    forward (delivering everything that falls due on the way)."""
    data = await json_body(request, required=True)
    if not isinstance(data, dict):
        raise bad_request("request body: must be a JSON object")
    state, dispatcher = request.app[STATE], request.app[DISPATCHER]
    mode = data.get("mode")
    if mode is not None:
        if mode not in {"manual", "system"}:
            raise bad_request('mode: must be "manual" or "system"')
        state.clock.set_manual(mode == "manual")
        dispatcher.wake()
    if "advance" in data:
        await dispatcher.advance(to_seconds(data["advance"], "advance"))
    return ok(_clock(request))


async def pause(request: web.Request) -> web.Response:
    """Hold deliveries: no new attempt starts (attempts in flight finish); publishing goes on."""
    request.app[DISPATCHER].pause()
    return ok(_clock(request))


async def resume(request: web.Request) -> web.Response:
    request.app[DISPATCHER].resume()
    return ok(_clock(request))


async def drain(request: web.Request) -> web.Response:
    await request.app[DISPATCHER].drain()
    return ok(_clock(request))


async def run_until_idle(request: web.Request) -> web.Response:
    data = await json_body(request) or {}
    if not isinstance(data, dict):
        raise bad_request("request body: must be a JSON object")
    limit = to_seconds(data.get("limit", "1d"), "limit")
    await request.app[DISPATCHER].run_until_idle(limit)
    return ok(_clock(request))


async def reset(request: web.Request) -> web.Response:
    state = request.app[STATE]
    delivery = request.app[DELIVERY]
    state.reset()
    delivery.clear_transcript()
    delivery.faults.clear()
    return ok({"reset": True})


async def list_deliveries(request: web.Request) -> web.Response:
    records = request.app[DELIVERY].transcript()
    for field in ("messageId", "url", "callbackOf"):
        if field in request.query:
            records = [r for r in records if r[field] == request.query[field]]
    return ok({"deliveries": records})


async def clear_deliveries(request: web.Request) -> web.Response:
    request.app[DELIVERY].clear_transcript()
    return ok({"cleared": True})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_emulator/clock", get_clock)
    app.router.add_post("/_emulator/clock", set_clock)
    app.router.add_post("/_emulator/pause", pause)
    app.router.add_post("/_emulator/resume", resume)
    app.router.add_post("/_emulator/drain", drain)
    app.router.add_post("/_emulator/run-until-idle", run_until_idle)
    app.router.add_post("/_emulator/reset", reset)
    app.router.add_get("/_emulator/deliveries", list_deliveries)
    app.router.add_delete("/_emulator/deliveries", clear_deliveries)
    # POST, GET and DELETE /_emulator/faults: the same routes as the mock's /_mock/faults.
    faultroutes.add_routes(app, "/_emulator")
