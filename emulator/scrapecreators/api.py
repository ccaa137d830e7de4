"""The ScrapeCreators-shaped routes: faults first, then the key check, then replay or synthesis."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from vcr.request import Request as VcrRequest

from emulator.scrapecreators import bodies, faults, synthetic
from emulator.scrapecreators.replay import describe
from emulator.scrapecreators.state import STATE, MockState


async def handle(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    entry: dict[str, Any] = {
        "seq": len(state.log) + 1,
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        # Whether a key came, never the key itself: the log is readable by anyone.
        "api_key": "present" if request.headers.get("x-api-key") else "missing",
        # Until answered (a held request may never be), the entry says so rather than lacking keys.
        "status": None,
        "source": "pending",
    }
    state.log.append(entry)
    state.in_flight += 1
    state.max_in_flight = max(state.max_in_flight, state.in_flight)
    try:
        response, source = await _answer(state, request)
    finally:
        state.in_flight -= 1
    entry.update(status=response.status, source=source)
    return response


async def _answer(state: MockState, request: web.Request) -> tuple[web.Response, str]:
    fault = state.faults.take(request.path)
    if fault is not None:
        # Only latency and timeout faults wait; every kind but latency answers the fault itself.
        if fault.kind in ("latency", "timeout"):
            await state.hold(fault.delay)
        if fault.kind != "latency":
            return faults.response_for(fault, request.path), f"fault:{fault.kind}"
    key = request.headers.get("x-api-key", "")
    if not key:
        return bodies.json_response(500, bodies.API_KEY_REQUIRED), "auth:missing"
    if key not in state.config.api_keys:
        # The real API answers an unknown key exactly like an exhausted one.
        return bodies.json_response(402, bodies.OUT_OF_CREDITS), "auth:unknown"
    if state.config.mode == "synthetic":
        return _synthesise(request)
    return _replay(state, request)


def _synthesise(request: web.Request) -> tuple[web.Response, str]:
    if request.method != "GET" or request.path not in synthetic.ENDPOINTS:
        return bodies.html_not_found(request.path), "synthetic:unknown-route"
    try:
        body = synthetic.answer(request.path, request.query)
    except synthetic.BadParameter as exc:
        return bodies.json_response(400, {"success": False, "message": str(exc)}), "synthetic"
    return bodies.json_response(200, body), "synthetic"


def _replay(state: MockState, request: web.Request) -> tuple[web.Response, str]:
    asked = VcrRequest(request.method, str(request.url), None, {})
    recording = state.library.play(asked)
    if recording is None:
        return _miss(state, asked), "miss"
    response = web.Response(status=recording.status, body=recording.body)
    for name, value in recording.headers:
        response.headers.add(name, value)
    return response, f"cassette:{recording.cassette}#{recording.index}"


def _miss(state: MockState, asked: VcrRequest) -> web.Response:
    closest = state.library.closest(asked)
    spent = [c for c in closest if not c["differences"]]
    if spent:
        hint = "every recording of this request has been played already; record it once more"
    elif closest:
        hint = "the closest recordings differ as listed; fix the request or re-record the cassette"
    else:
        hint = f"no loaded cassette records anything like it (loaded: {state.library.names})"
    body = {
        "error": "no recorded interaction matches this request",
        "request": describe(asked),
        "closest": closest,
        "hint": hint,
        "cassettes": state.library.names,
    }
    return bodies.json_response(501, body)
