"""The production wiring: real clock, store, HTTP and QStash clients owned by the app's lifetime."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import httpx
from aiohttp import web
from qstash import AsyncQStash
from qstash.http import RetryConfig

from service.app import create_app
from service.clock import SystemClock
from service.config.settings import Settings
from service.logs import get_logger
from service.qstash.publisher import close_qstash
from service.store import Store

log = get_logger("service.runtime")

# The SDK retries transport errors 5 times over ~11 s by default; a request handler should not
# hang that long, so keep two quick retries (about 0.14 s and 0.37 s).
QSTASH_RETRY: RetryConfig = {"retries": 2, "backoff": lambda attempt: math.exp(1 + attempt) * 50}
HTTP_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def build_app(settings: Settings) -> web.Application:
    """The service app with its own resources; migrations run before anything else starts."""
    clock = SystemClock()
    store = Store.open(settings.database_url, clock)
    http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
    qstash = AsyncQStash(
        settings.qstash_token.get_secret_value(),
        base_url=settings.qstash_url,
        retry=QSTASH_RETRY,
    )
    app = create_app(settings, clock=clock, store=store, http=http, qstash=qstash)

    async def resources(_: web.Application) -> AsyncIterator[None]:
        await store.upgrade()
        log.info("service_started", public_base_url=settings.public_base_url)
        yield
        await close_qstash(qstash)
        await http.aclose()
        await store.close()

    # First in line: every other start-up step may rely on an up-to-date schema.
    app.cleanup_ctx.insert(0, resources)
    return app
