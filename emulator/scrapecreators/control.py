"""The mock's own controls under /_mock/*: faults, reset, request log, unplayed, cassettes."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from emulator import faultroutes
from emulator.scrapecreators import bodies, faults
from emulator.scrapecreators.replay import CassetteError, CassetteLibrary, resolve
from emulator.scrapecreators.state import STATE


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"the body is not JSON: {exc}", "field": "body"}),
            content_type=bodies.JSON_TYPE,
        ) from exc


async def status(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return bodies.json_response(
        200,
        {
            "mode": state.config.mode,
            "cassettes": state.library.names,
            "fault_kinds": dict(faults.SPEC.kinds),
            "in_flight": state.in_flight,
            "max_in_flight": state.max_in_flight,
        },
    )


async def requests_log(request: web.Request) -> web.Response:
    return bodies.json_response(200, {"requests": request.app[STATE].log})


async def unplayed(request: web.Request) -> web.Response:
    return bodies.json_response(200, {"unplayed": request.app[STATE].library.unplayed()})


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return bodies.json_response(200, {"reset": True})


async def load_cassettes(request: web.Request) -> web.Response:
    """Replace the loaded cassettes (names, files or folders) and start them from the top, so a
    running mock can serve one scenario after another."""
    body = await _json_body(request)
    names = body.get("cassettes") if isinstance(body, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        return bodies.control_error(400, "cassettes", "cassettes must be a list of names or paths")
    state = request.app[STATE]
    try:
        state.library = CassetteLibrary(resolve(names))
    except CassetteError as exc:
        return bodies.control_error(400, "cassettes", str(exc))
    state.reset()
    return bodies.json_response(200, {"cassettes": state.library.names})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_mock/status", status)
    app.router.add_get("/_mock/requests", requests_log)
    app.router.add_get("/_mock/unplayed", unplayed)
    # POST, GET and DELETE /_mock/faults: the same routes as the emulator's /_emulator/faults.
    faultroutes.add_routes(app, "/_mock")
    app.router.add_post("/_mock/reset", reset)
    app.router.add_post("/_mock/cassettes", load_cassettes)
