"""Assemble the emulator: state, store, delivery, dispatcher, and the aiohttp app serving them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass

from aiohttp import web

from emulator.faultroutes import FAULTS
from emulator.qstash import control, dashboard
from emulator.qstash.appkeys import DELIVERY, DISPATCHER, QUOTA, STATE
from emulator.qstash.clock import Clock
from emulator.qstash.config import Config
from emulator.qstash.delivery import Delivery
from emulator.qstash.dispatcher import Dispatcher
from emulator.qstash.errors import error_middleware
from emulator.qstash.quota import Quota, plan_named
from emulator.qstash.responses import (
    dlq,
    events,
    flowcontrol,
    keys,
    messages,
    publish,
    queues,
    schedules,
    urlgroups,
)
from emulator.qstash.state import Credentials, State
from emulator.qstash.store import Store


@dataclass
class Emulator:
    config: Config
    clock: Clock
    store: Store
    state: State
    delivery: Delivery
    dispatcher: Dispatcher
    quota: Quota


def build(config: Config) -> Emulator:
    """Open the store and load what it holds; raises StoreError for an unusable database."""
    clock = Clock(manual=config.manual_clock, start=config.start_time)
    store = Store(config.db_path)
    credentials = Credentials(config.token, config.current_key, config.next_key)
    state = State(
        clock=clock,
        store=store,
        credentials=credentials,
        retain_delivered=config.retain_delivered,
    )
    try:
        state.load(store.load())
    except Exception:
        store.close()
        raise
    plan = plan_named(config.quota)
    if plan is None:
        delivery = Delivery(state, default_timeout=config.default_timeout)
    else:
        # An attempt may last the plan's Max HTTP Response Duration, and no longer.
        duration = plan.max_response_duration
        delivery = Delivery(state, default_timeout=duration, max_timeout=duration)
    dispatcher = Dispatcher(state, delivery, concurrency=config.concurrency)
    return Emulator(config, clock, store, state, delivery, dispatcher, Quota(plan))


def authorized(request: web.Request) -> bool:
    """QStash-shaped routes need the token (Bearer header or `qstash_token` query)."""
    if not request.path.startswith("/v2/"):
        return True
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else request.query.get("qstash_token")
    return given == request.app[STATE].token


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/v2/publish/{destination:.+}", publish.publish)
    r.add_post("/v2/enqueue/{queue}/{destination:.+}", publish.enqueue)
    r.add_post("/v2/batch", publish.batch)
    r.add_post("/v2/queues", queues.upsert)
    r.add_get("/v2/queues", queues.list_all)
    r.add_get("/v2/queues/{queue}", queues.get)
    r.add_delete("/v2/queues/{queue}", queues.delete)
    r.add_post("/v2/queues/{queue}/pause", queues.pause)
    r.add_post("/v2/queues/{queue}/resume", queues.resume)
    r.add_get("/v2/flowControl", flowcontrol.list_all)
    r.add_get("/v2/flowControl/{key}", flowcontrol.get)
    r.add_post("/v2/flowControl/{key}/pause", flowcontrol.pause)
    r.add_post("/v2/flowControl/{key}/resume", flowcontrol.resume)
    r.add_post("/v2/flowControl/{key}/pin", flowcontrol.pin)
    r.add_post("/v2/flowControl/{key}/unpin", flowcontrol.unpin)
    r.add_post("/v2/flowControl/{key}/resetRate", flowcontrol.reset_rate)
    r.add_get("/v2/globalParallelism", flowcontrol.global_parallelism)
    r.add_post("/v2/topics/{group}/endpoints", urlgroups.upsert_endpoints)
    r.add_delete("/v2/topics/{group}/endpoints", urlgroups.remove_endpoints)
    r.add_get("/v2/topics", urlgroups.list_all)
    r.add_get("/v2/topics/{group}", urlgroups.get)
    r.add_delete("/v2/topics/{group}", urlgroups.delete)
    r.add_patch("/v2/topics/{group}", urlgroups.set_default_headers)
    r.add_get("/v2/messages/{message_id}", messages.get_message)
    r.add_delete("/v2/messages/{message_id}", messages.cancel_message)
    r.add_delete("/v2/messages", messages.cancel_many)
    r.add_get("/v2/dlq", dlq.list_dlq)
    r.add_delete("/v2/dlq", dlq.delete_many)
    r.add_post("/v2/dlq/retry", dlq.retry_many)
    r.add_post("/v2/dlq/retry/{dlq_id}", dlq.retry_one)
    r.add_get("/v2/dlq/{dlq_id}", dlq.get_dlq)
    r.add_delete("/v2/dlq/{dlq_id}", dlq.delete_dlq)
    r.add_get("/v2/events", events.list_events)
    r.add_get("/v2/logs", events.list_events)
    r.add_get("/v2/keys", keys.get_keys)
    r.add_post("/v2/keys/rotate", keys.rotate_keys)
    r.add_get("/v2/schedules", schedules.list_all)
    r.add_get("/v2/schedules/{schedule_id}", schedules.get)
    r.add_delete("/v2/schedules/{schedule_id}", schedules.delete)
    # The SDKs pause and resume with PATCH, the OpenAPI document with POST: both work.
    for method in ("PATCH", "POST"):
        r.add_route(method, "/v2/schedules/{schedule_id}/pause", schedules.pause)
        r.add_route(method, "/v2/schedules/{schedule_id}/resume", schedules.resume)
    r.add_post("/v2/schedules/{destination:.+}", schedules.create)
    control.add_routes(app)
    dashboard.add_routes(app)


def _changed(request: web.Request) -> Awaitable[None]:
    """After a change request: tell the live feed what kind changed (the path's second
    segment: publish, clock, keys, ...), and wait for the store's commit."""
    state = request.app[STATE]
    parts = request.path.split("/")
    state.changes.notify(parts[2] if len(parts) > 2 else "other")
    return state.commit()


def create_app(emulator: Emulator) -> web.Application:
    middleware = error_middleware(authorized, _changed)
    app = web.Application(middlewares=[middleware], client_max_size=100 << 20)
    app[STATE] = emulator.state
    app[DELIVERY] = emulator.delivery
    app[FAULTS] = emulator.delivery.faults
    app[DISPATCHER] = emulator.dispatcher
    app[QUOTA] = emulator.quota
    add_routes(app)

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        emulator.store.start()
        await emulator.delivery.start()
        emulator.dispatcher.start()
        yield
        await emulator.dispatcher.stop()
        await emulator.delivery.close()
        emulator.store.close()

    app.cleanup_ctx.append(lifecycle)
    return app
