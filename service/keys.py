"""Every `web.AppKey` of the service app, in one place."""

from __future__ import annotations

import httpx
from aiohttp import web

from service.auth import Authenticator
from service.clock import Clock
from service.config import DynamicConfig
from service.event_timing import EventTiming
from service.lifecycle import Lifecycle
from service.metrics import Metrics
from service.publisher import Publisher, QStashClient
from service.settings import Settings
from service.signature import SignatureVerifier
from service.store import Store
from service.store.changes import JobChanges
from service.sweep import Sweeper

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
