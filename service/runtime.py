"""The production wiring: real clock, store, HTTP and QStash clients owned by the app's lifetime."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Literal

import httpx
from aiohttp import web
from qstash.http import RetryConfig

from service.api.event_timing import EventTiming
from service.app import build_parts, create_app
from service.clock import Clock, SystemClock
from service.config.settings import Settings
from service.logs import get_logger
from service.qstash.publisher import close_qstash, qstash_client
from service.store import Store
from service.wire import AiohttpWire

log = get_logger("service.runtime")

# The SDK retries transport errors 5 times over ~11 s by default; a request handler should not
# hang that long, so keep two quick retries (about 0.14 s and 0.37 s).
QSTASH_RETRY: RetryConfig = {"retries": 2, "backoff": lambda attempt: math.exp(1 + attempt) * 50}
HTTP_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    events: EventTiming | None = None,
    qstash_token: str | None = None,
    qstash_retry: RetryConfig | Literal[False] = QSTASH_RETRY,
) -> web.Application:
    """The service app with its own resources; migrations run before anything else starts.

    Production passes settings only. A harness may hand in its clock, or a store it owns (then
    the app neither migrates nor closes it), another token for the SDK (to make QStash refuse),
    or no SDK retries (to make a refusal quick).
    """
    clock = clock or SystemClock()
    owned_store = store is None
    store = store or Store.open(
        settings.database_url, clock, postgres_pool_size=settings.database_pool_size
    )
    http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
    # ScrapeCreators calls (several per step) go over aiohttp: see service.wire.
    scrapecreators_http = AiohttpWire(timeout=HTTP_TIMEOUT)
    qstash = qstash_client(
        qstash_token or settings.qstash_token.get_secret_value(),
        base_url=settings.qstash_url,
        retry=qstash_retry,
    )
    app = create_app(
        build_parts(
            settings,
            clock=clock,
            store=store,
            http=http,
            qstash=qstash,
            scrapecreators_http=scrapecreators_http,
            events=events,
        )
    )

    async def resources(_: web.Application) -> AsyncIterator[None]:
        if owned_store:
            await store.upgrade()
        log.info("service_started", public_base_url=settings.public_base_url)
        yield
        await close_qstash(qstash)
        await scrapecreators_http.aclose()
        await http.aclose()
        if owned_store:
            await store.close()

    # First in line: every other start-up step may rely on an up-to-date schema.
    app.cleanup_ctx.insert(0, resources)
    return app
