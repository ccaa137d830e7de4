"""The fault routes both emulators mount under their control prefix: add, list, clear."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from emulator.errors import FieldError
from emulator.faults import FaultBook

# Each emulator's app holds its own book here; the routes below read it.
FAULTS = web.AppKey("emulator_faults", FaultBook)


def field_error(exc: FieldError) -> web.Response:
    """A 400 naming the bad field, the same on both emulators' control routes."""
    return web.json_response({"error": str(exc), "field": exc.field}, status=400)


async def _json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        raise FieldError("body", "a JSON object is required")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FieldError("body", f"not JSON: {exc}") from None


async def add_fault(request: web.Request) -> web.Response:
    book = request.app[FAULTS]
    try:
        fault = book.add(await _json(request))
    except FieldError as exc:
        return field_error(exc)
    rule = fault.to_json(book.spec)
    # The rule itself (the QStash emulator's first answer) and under "fault" (the mock's).
    return web.json_response({**rule, "fault": rule}, status=201)


async def list_faults(request: web.Request) -> web.Response:
    book = request.app[FAULTS]
    return web.json_response({"faults": book.rules(), "kinds": dict(book.spec.kinds)})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[FAULTS].clear()
    # "cleared" was the QStash emulator's answer, the empty list the mock's.
    return web.json_response({"cleared": True, "faults": []})


def add_routes(app: web.Application, prefix: str) -> None:
    """POST, GET and DELETE `{prefix}/faults` over `app[FAULTS]`."""
    app.router.add_post(f"{prefix}/faults", add_fault)
    app.router.add_get(f"{prefix}/faults", list_faults)
    app.router.add_delete(f"{prefix}/faults", clear_faults)
