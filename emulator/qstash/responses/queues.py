"""The /v2/queues routes: upsert, list, get, delete, pause, resume."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from emulator.qstash import queues
from emulator.qstash.appkeys import QUOTA
from emulator.qstash.errors import bad_request
from emulator.qstash.responses.common import change, json_body, ok, state_of
from emulator.qstash.views import queue_json


async def upsert(request: web.Request) -> web.Response:
    state = state_of(request)
    data = await json_body(request, required=True)
    if not isinstance(data, dict):
        raise bad_request("request body: must be a JSON object")
    name = data.get("queueName")
    parallelism = data.get("parallelism", 1)
    paused = data.get("paused", False)
    if not isinstance(name, str) or not name:
        raise bad_request("queueName: is required")
    if not isinstance(parallelism, int) or isinstance(parallelism, bool):
        raise bad_request("parallelism: must be an integer")
    if not isinstance(paused, bool):
        raise bad_request("paused: must be true or false")
    quota = request.app[QUOTA]
    if name not in state.queues:
        quota.new_queue(len(state.queues))
    quota.queue_parallelism(parallelism)
    queues.upsert(state, name, parallelism, paused)
    return ok()


async def list_all(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok([queue_json(q, queues.lag(state, q)) for q in state.queues.values()])


async def get(request: web.Request) -> web.Response:
    state = state_of(request)
    queue = queues.get(state, request.match_info["queue"])
    return ok(queue_json(queue, queues.lag(state, queue)))


async def delete(request: web.Request) -> web.Response:
    return await change(request, queues.delete, "queue")


async def pause(request: web.Request) -> web.Response:
    return await change(request, partial(queues.set_paused, paused=True), "queue")


async def resume(request: web.Request) -> web.Response:
    return await change(request, partial(queues.set_paused, paused=False), "queue")
