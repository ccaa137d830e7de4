"""The /v2/flowControl routes and /v2/globalParallelism."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash.appkeys import DISPATCHER
from emulator.qstash.errors import bad_request
from emulator.qstash.responses.common import ok, state_of


def _int_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name}: {raw!r} is not an integer") from None


def _bool_param(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").lower()
    if raw not in {"true", "false"}:
        raise bad_request(f"{name}: must be true or false")
    return raw == "true"


async def list_all(request: web.Request) -> web.Response:
    return ok([flow.to_json() for flow in state_of(request).flows.keys.values()])


async def get(request: web.Request) -> web.Response:
    return ok(state_of(request).flows.get(request.match_info["key"]).to_json())


async def global_parallelism(request: web.Request) -> web.Response:
    dispatcher = request.app[DISPATCHER]
    # The emulator has no plan-wide cap beyond its delivery slots (two lanes).
    return ok(
        {"parallelismMax": 2 * dispatcher.concurrency, "parallelismCount": dispatcher.in_flight}
    )


async def pause(request: web.Request) -> web.Response:
    state_of(request).pause_flow(request.match_info["key"])
    return ok()


async def resume(request: web.Request) -> web.Response:
    state_of(request).resume_flow(request.match_info["key"])
    return ok()


async def pin(request: web.Request) -> web.Response:
    limits = [_int_param(request, name) for name in ("parallelism", "rate", "period")]
    state_of(request).pin_flow(request.match_info["key"], *limits)
    return ok()


async def unpin(request: web.Request) -> web.Response:
    flags = (_bool_param(request, "parallelism"), _bool_param(request, "rate"))
    state_of(request).unpin_flow(request.match_info["key"], *flags)
    return ok()


async def reset_rate(request: web.Request) -> web.Response:
    state_of(request).reset_flow_rate(request.match_info["key"])
    return ok()
