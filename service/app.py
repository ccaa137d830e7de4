"""The app factory: wires settings, clock, store, HTTP client and QStash into one aiohttp app."""

from __future__ import annotations

import httpx
from aiohttp import web

from service import keys
from service.api.auth import build_authenticator
from service.api.event_timing import EventTiming
from service.api.job_events import setup_job_events
from service.api.routes import setup_routes
from service.clock import Clock
from service.config.dynamic import DynamicConfig
from service.config.settings import Settings
from service.errors import error_middleware
from service.metrics import Metrics
from service.qstash.publisher import Publisher, QStashClient
from service.store import Store


def create_app(
    settings: Settings,
    *,
    clock: Clock,
    store: Store,
    http: httpx.AsyncClient,
    qstash: QStashClient,
    events: EventTiming | None = None,
) -> web.Application:
    """Build the service app. The caller owns (opens and closes) store, http and qstash."""
    app = web.Application(middlewares=[error_middleware])
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    app[keys.STORE] = store
    app[keys.HTTP] = http
    app[keys.QSTASH] = qstash
    app[keys.PUBLISHER] = Publisher(
        qstash,
        webhook_url=settings.webhook_url,
        failure_callback_url=settings.failure_callback_url,
        queued=store,
    )
    app[keys.CONFIG] = DynamicConfig(store, clock)
    app[keys.AUTH] = build_authenticator(settings, http, clock)
    app[keys.METRICS] = Metrics()
    setup_job_events(app, events or EventTiming())
    setup_routes(app)
    return app
