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


async def _saved(request: web.Request) -> web.Response:
    """Persist the key's operator settings (pause, pins) and answer."""
    state = state_of(request)
    key = request.match_info["key"]
    state.store.save_flow(key, state.flows.get(key).settings())
    await state.store.commit()
    return ok()


async def pause(request: web.Request) -> web.Response:
    state_of(request).flows.set_paused(request.match_info["key"], True)
    return await _saved(request)


async def resume(request: web.Request) -> web.Response:
    state = state_of(request)
    state.requeue(state.flows.set_paused(request.match_info["key"], False))
    return await _saved(request)


async def pin(request: web.Request) -> web.Response:
    state = state_of(request)
    limits = [_int_param(request, name) for name in ("parallelism", "rate", "period")]
    state.requeue(state.flows.pin(request.match_info["key"], *limits))
    return await _saved(request)


async def unpin(request: web.Request) -> web.Response:
    state = state_of(request)
    flags = (_bool_param(request, "parallelism"), _bool_param(request, "rate"))
    state.requeue(state.flows.unpin(request.match_info["key"], *flags))
    return await _saved(request)


async def reset_rate(request: web.Request) -> web.Response:
    state = state_of(request)
    state.requeue(state.flows.reset_rate(request.match_info["key"], state.now()))
    return ok()
