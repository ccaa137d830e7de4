"""Operational endpoints: /healthz (database and QStash reachable) and /metrics."""

from __future__ import annotations

import asyncio

import httpx
from aiohttp import web

from service.api.models import HealthOut
from service.keys import PARTS
from service.logs import get_logger
from service.metrics import CONTENT_TYPE

log = get_logger("service.api.health")

CHECK_TIMEOUT_SECONDS = 2.0


async def _database(request: web.Request) -> str:
    try:
        await asyncio.wait_for(request.app[PARTS].store.ping(), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means "not reachable"; say which
        log.warning("health_database_failed", reason=repr(error))
        return f"unreachable: {type(error).__name__}"
    return "ok"


async def _qstash(request: web.Request) -> str:
    settings = request.app[PARTS].settings
    try:
        # /v2/keys is cheap, authenticated and answered by real QStash and the emulator alike.
        response = await request.app[PARTS].http.get(
            f"{settings.qstash_url}/v2/keys",
            headers={"Authorization": f"Bearer {settings.qstash_token.get_secret_value()}"},
            timeout=CHECK_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok" if response.is_success else f"HTTP {response.status_code}"


async def healthz(request: web.Request) -> web.Response:
    database, qstash = await asyncio.gather(_database(request), _qstash(request))
    healthy = database == "ok" and qstash == "ok"
    body = HealthOut(status="ok" if healthy else "degraded", database=database, qstash=qstash)
    return web.json_response(body.model_dump(mode="json"), status=200 if healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[PARTS].metrics
    registry.set_job_counts(await request.app[PARTS].store.count_jobs_by_status())
    return web.Response(body=registry.render(), headers={"Content-Type": CONTENT_TYPE})
