"""The emulator's records: messages, callbacks, DLQ entries, events and schedules."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, fields
from typing import Any

Headers = dict[str, list[str]]  # Go-canonical header name -> values, as QStash shows them


@dataclass(slots=True)
class CallbackSpec:
    """Where and how to send a (failure) callback; each one becomes a message of its own."""

    url: str
    headers: Headers | None = None
    method: str = "POST"
    retries: int | None = None  # None: the source message's retries
    timeout: float | None = None
    retry_delay: str | None = None


@dataclass(slots=True)
class FlowControl:
    key: str
    parallelism: int | None = None
    rate: int | None = None
    period: int | None = None  # seconds


@dataclass(slots=True, frozen=True)
class Redaction:
    """What the API shows as `REDACTED:<sha256>` (deliveries always carry the originals)."""

    body: bool = False
    all_headers: bool = False
    headers: tuple[str, ...] = ()  # canonical names


@dataclass(slots=True)
class Template:
    """Everything a publish (or a schedule tick) asks for, before it becomes a message."""

    method: str = "POST"
    headers: Headers | None = None
    retries: int = 3
    retry_delay: str | None = None
    timeout: float | None = None
    delay: float = 0.0
    not_before: float | None = None
    callback: CallbackSpec | None = None
    failure_callback: CallbackSpec | None = None
    dedup_id: str | None = None
    content_dedup: bool = False
    labels: list[str] | None = None
    flow_control: FlowControl | None = None
    redact: Redaction | None = None


@dataclass(slots=True, frozen=True)
class Extras:
    """A message's rarely set options, kept apart: most messages share the one empty instance,
    which keeps a hundred thousand pending messages small."""

    timeout: float | None = None
    retry_delay: str | None = None
    callback: CallbackSpec | None = None
    failure_callback: CallbackSpec | None = None
    schedule_id: str | None = None
    labels: list[str] | None = None
    flow_control: FlowControl | None = None
    redact: Redaction | None = None
    topic_name: str | None = None
    endpoint_name: str | None = None
    queue_name: str | None = None
    # Set on callback messages: the payload is already the body; they never call back themselves.
    callback_of: str | None = None


NO_EXTRAS = Extras()
EXTRA_FIELDS = tuple(f.name for f in fields(Extras))


def extras(**values: Any) -> Extras:
    """Extras for these values; the shared empty instance when none is set."""
    set_values = {k: v for k, v in values.items() if v is not None}
    return Extras(**set_values) if set_values else NO_EXTRAS


@dataclass(slots=True, eq=False)
class Message:
    """A message waiting for (or between) delivery attempts. Times are unix seconds."""

    id: str
    url: str
    method: str
    body: bytes
    created_at: float
    not_before: float
    deliver_at: float
    max_retries: int
    headers: Headers | None = None
    retried: int = 0
    caller_ip: str | None = None
    extras: Extras = NO_EXTRAS
    # The heap ticket of the message's current due-queue entry; older entries are stale.
    seq: int = 0
    cancelled: bool = False
    holds_slot: bool = False  # a queue message keeps its slot through its retries
    holds_flow: bool = False  # a flow-control slot, only for the length of one attempt
    # The seq of its CREATED event: the key of its event share, and how the store tells
    # whether its creation is on disk yet (0: loaded from disk, or its share is unknown).
    created_seq: int = 0

    @property
    def timeout(self) -> float | None:
        return self.extras.timeout

    @property
    def retry_delay(self) -> str | None:
        return self.extras.retry_delay

    @property
    def callback(self) -> CallbackSpec | None:
        return self.extras.callback

    @property
    def failure_callback(self) -> CallbackSpec | None:
        return self.extras.failure_callback

    @property
    def schedule_id(self) -> str | None:
        return self.extras.schedule_id

    @property
    def labels(self) -> list[str] | None:
        return self.extras.labels

    @property
    def flow_control(self) -> FlowControl | None:
        return self.extras.flow_control

    @property
    def redact(self) -> Redaction | None:
        return self.extras.redact

    @property
    def topic_name(self) -> str | None:
        return self.extras.topic_name

    @property
    def endpoint_name(self) -> str | None:
        return self.extras.endpoint_name

    @property
    def queue_name(self) -> str | None:
        return self.extras.queue_name

    @property
    def callback_of(self) -> str | None:
        return self.extras.callback_of


@dataclass(slots=True)
class Response:
    """What one delivery attempt got back (status 0 when no HTTP response arrived)."""

    status: int
    headers: Headers = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None


@dataclass(slots=True, eq=False)
class DlqEntry:
    dlq_id: str
    seq: int
    message: Message
    response: Response
    failed_at: float


@dataclass(slots=True, eq=False)
class Event:
    seq: int
    time: float
    state: str
    message: Message
    error: str | None = None
    next_delivery_time: float | None = None
    response: Response | None = None


@dataclass(slots=True, eq=False)
class Schedule:
    id: str
    destination: str
    cron: str
    created_at: float
    template: Template
    body: bytes
    caller_ip: str | None = None
    queue_name: str | None = None
    paused: bool = False
    last_schedule_time: float | None = None
    next_schedule_time: float | None = None
    last_states: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seq: int = 0


@dataclass(slots=True, eq=False)
class Queue:
    """A FIFO queue; `waiting` and `active` are runtime only (rebuilt from messages)."""

    name: str
    parallelism: int
    paused: bool
    created_at: float
    updated_at: float
    waiting: deque[Message] = field(default_factory=deque)
    active: int = 0


@dataclass(slots=True)
class Endpoint:
    url: str
    name: str | None = None


@dataclass(slots=True, eq=False)
class UrlGroup:
    name: str
    created_at: float
    updated_at: float
    endpoints: list[Endpoint] = field(default_factory=list)
    # Default publish headers (PATCH /v2/topics/{name}); a publish's own headers win.
    headers: dict[str, list[str]] = field(default_factory=dict)


def ms(ts: float) -> int:
    return round(ts * 1000)


JsonDict = dict[str, Any]
