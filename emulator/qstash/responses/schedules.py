"""The /v2/schedules routes: create or overwrite, list, get, delete, pause, resume."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from emulator.qstash import schedules
from emulator.qstash.appkeys import QUOTA
from emulator.qstash.errors import bad_request
from emulator.qstash.headers import parse_template
from emulator.qstash.responses.common import (
    caller_ip,
    change,
    ok,
    raw_destination,
    state_of,
)
from emulator.qstash.views import schedule_json


async def create(request: web.Request) -> web.Response:
    state = state_of(request)
    url = raw_destination(request, "/v2/schedules/")
    cron = request.headers.get("Upstash-Cron")
    if cron is None or not cron.strip():
        raise bad_request("Upstash-Cron header is required")
    template = parse_template(request.headers.items())
    # Schedules do not take Upstash-Not-Before, and produced messages are never deduplicated.
    template.not_before = None
    template.dedup_id = None
    template.content_dedup = False
    body = await request.read()
    quota = request.app[QUOTA]
    template = quota.message(template, body, state.now())
    schedule_id = request.headers.get("Upstash-Schedule-Id")
    if schedule_id not in state.schedules:  # overwriting one keeps the count
        quota.new_schedule(len(state.schedules))
    schedule = schedules.create(
        state,
        url,
        body,
        template,
        cron=cron,
        schedule_id=schedule_id,
        queue_name=request.headers.get("Upstash-Queue-Name"),
        caller_ip=caller_ip(request),
    )
    return ok({"scheduleId": schedule.id})


async def list_all(request: web.Request) -> web.Response:
    state = state_of(request)
    ordered = sorted(state.schedules.values(), key=lambda s: s.created_at, reverse=True)
    return ok([schedule_json(s) for s in ordered])


async def get(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok(schedule_json(schedules.get(state, request.match_info["schedule_id"])))


async def delete(request: web.Request) -> web.Response:
    return await change(request, schedules.delete, "schedule_id")


async def pause(request: web.Request) -> web.Response:
    return await change(request, partial(schedules.set_paused, paused=True), "schedule_id")


async def resume(request: web.Request) -> web.Response:
    return await change(request, partial(schedules.set_paused, paused=False), "schedule_id")
