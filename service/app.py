"""The app factory, the one composition root: builds every part of the service, then the routes."""

from __future__ import annotations

from pathlib import Path

import httpx
from aiohttp import web

from service.api.auth import build_authenticator
from service.api.errors import error_middleware
from service.api.event_timing import EventTiming
from service.api.job_events import run_change_feed
from service.api.routes import setup_routes
from service.clock import Clock
from service.config.defaults import PROCESSING
from service.config.dynamic import DynamicConfig
from service.config.settings import Settings
from service.jobs.lifecycle import Lifecycle
from service.jobs.platforms.profiles import Profiles
from service.keys import PARTS, Parts
from service.metrics import Metrics
from service.qstash.outbox import Outbox, flush_on_start
from service.qstash.publisher import Publisher, QStashClient
from service.qstash.signature import SignatureVerifier
from service.qstash.sweep import Sweeper, register_on_start
from service.scrapecreators.client import HttpGet, ScrapeCreatorsClient
from service.scrapecreators.gate import CallGate
from service.scrapecreators.raw_log import RawLog
from service.store import Store
from service.store.changes import job_changes


def create_app(parts: Parts) -> web.Application:
    """The service app over parts built by `build_parts`: its start-up steps, then its routes."""
    app = web.Application(middlewares=[error_middleware])
    app[PARTS] = parts
    settings = parts.settings
    if settings.sweep_schedule:
        app.cleanup_ctx.append(register_on_start(parts.qstash, settings.sweep_url))
    app.cleanup_ctx.append(flush_on_start(parts.outbox))
    run_change_feed(app, parts.job_changes)
    setup_routes(app)
    return app


def build_parts(
    settings: Settings,
    *,
    clock: Clock,
    store: Store,
    http: httpx.AsyncClient,
    qstash: QStashClient,
    scrapecreators_http: HttpGet,
    events: EventTiming | None = None,
) -> Parts:
    """Every part of one app, each built once, in the order they depend on each other.

    The caller owns (opens and closes) store, http, qstash and `scrapecreators_http`, what
    ScrapeCreators calls go over."""
    metrics = Metrics()
    config = DynamicConfig(store, clock)
    publisher = Publisher(
        qstash,
        webhook_url=settings.webhook_url,
        failure_callback_url=settings.failure_callback_url,
        queued=store,
    )
    outbox = Outbox(store, publisher, clock, metrics)
    scrapecreators = _scrapecreators_client(settings, scrapecreators_http, metrics, clock, config)
    timing = events or EventTiming()
    return Parts(
        settings=settings,
        clock=clock,
        store=store,
        http=http,
        qstash=qstash,
        metrics=metrics,
        config=config,
        publisher=publisher,
        outbox=outbox,
        auth=build_authenticator(settings, http, clock),
        signatures=SignatureVerifier(
            settings.qstash_current_signing_key.get_secret_value(),
            settings.qstash_next_signing_key.get_secret_value(),
            metrics,
        ),
        lifecycle=Lifecycle(
            store, publisher, config, clock, scrapecreators, Profiles(clock), metrics, outbox
        ),
        sweeper=Sweeper(store, publisher, config, clock, metrics, outbox),
        event_timing=timing,
        job_changes=job_changes(store.engine, interval=timing.poll_seconds),
    )


def _scrapecreators_client(
    settings: Settings,
    http: HttpGet,
    metrics: Metrics,
    clock: Clock,
    config: DynamicConfig,
) -> ScrapeCreatorsClient:
    key = settings.scrapecreators_api_key.get_secret_value()

    async def ceiling() -> int:
        return await config.get(PROCESSING.scrapecreators_concurrency)

    raw_log = (
        RawLog(Path(settings.log_raw_dir), api_key=key) if settings.log_raw_responses else None
    )
    return ScrapeCreatorsClient(
        http,
        base_url=settings.scrapecreators_api_url,
        api_key=key,
        metrics=metrics,
        clock=clock,
        search_timeout=settings.scrapecreators_search_timeout,
        profile_timeout=settings.scrapecreators_profile_timeout,
        raw_log=raw_log,
        # One gate per app, shared by every job: the process's cap on calls in flight.
        gate=CallGate(clock, ceiling, metrics),
    )
