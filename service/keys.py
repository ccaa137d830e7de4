"""Every `web.AppKey` of the service app, in one place."""

from __future__ import annotations

import httpx
from aiohttp import web

from service.api.auth import Authenticator
from service.api.event_timing import EventTiming
from service.clock import Clock
from service.config.dynamic import DynamicConfig
from service.config.settings import Settings
from service.jobs.lifecycle import Lifecycle
from service.metrics import Metrics
from service.qstash.publisher import Publisher, QStashClient
from service.qstash.signature import SignatureVerifier
from service.qstash.sweep import Sweeper
from service.store import Store
from service.store.changes import JobChanges

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
STORE = web.AppKey("store", Store)
HTTP = web.AppKey("http", httpx.AsyncClient)
QSTASH = web.AppKey("qstash", QStashClient)
PUBLISHER = web.AppKey("publisher", Publisher)
CONFIG = web.AppKey("config", DynamicConfig)
AUTH = web.AppKey("auth", Authenticator)
METRICS = web.AppKey("metrics", Metrics)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
SIGNATURES = web.AppKey("signatures", SignatureVerifier)
SWEEPER = web.AppKey("sweeper", Sweeper)
EVENT_TIMING = web.AppKey("event_timing", EventTiming)
JOB_CHANGES = web.AppKey("job_changes", JobChanges)
