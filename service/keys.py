"""The app's one `web.AppKey`: the parts of the service, built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    # Types only: the app factory (service.app) imports and builds these; this module stays a leaf
    # that any handler can import without pulling the whole service in.
    import httpx

    from service.api.auth import Authenticator
    from service.api.event_timing import EventTiming
    from service.clock import Clock
    from service.config.dynamic import DynamicConfig
    from service.config.settings import Settings
    from service.jobs.lifecycle import Lifecycle
    from service.metrics import Metrics
    from service.qstash.outbox import Outbox
    from service.qstash.publisher import Publisher, QStashClient
    from service.qstash.signature import SignatureVerifier
    from service.qstash.sweep import Sweeper
    from service.store import Store
    from service.store.changes import JobChanges


@dataclass(frozen=True, slots=True)
class Parts:
    """Everything a handler may use, each built once per app (see `service.app.create_app`)."""

    settings: Settings
    clock: Clock
    store: Store
    http: httpx.AsyncClient
    qstash: QStashClient
    metrics: Metrics
    config: DynamicConfig
    publisher: Publisher
    outbox: Outbox
    auth: Authenticator
    signatures: SignatureVerifier
    lifecycle: Lifecycle
    sweeper: Sweeper
    event_timing: EventTiming
    job_changes: JobChanges


PARTS = web.AppKey("parts", Parts)
