"""Turn messages, schedules and DLQ entries into JSON rows for SQLite, and back."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from emulator.qstash import rowjson
from emulator.qstash.headers import share
from emulator.qstash.models import (
    EXTRA_FIELDS,
    NO_EXTRAS,
    CallbackSpec,
    DlqEntry,
    Endpoint,
    FlowControl,
    Message,
    Queue,
    Redaction,
    Response,
    Schedule,
    Template,
    UrlGroup,
    extras,
)

# Runtime-only fields: a restart re-queues every message, so in-flight flags start afresh.
_MESSAGE_SKIP = frozenset({"body", "seq", "cancelled", "holds_slot", "holds_flow", "extras"})
_MESSAGE_FIELDS = [f.name for f in fields(Message) if f.name not in _MESSAGE_SKIP]


def _spec(data: dict[str, Any] | None) -> CallbackSpec | None:
    return None if data is None else CallbackSpec(**data)


def _flow(data: dict[str, Any] | None) -> FlowControl | None:
    return None if data is None else FlowControl(**data)


def _redaction(data: dict[str, Any] | None) -> Redaction | None:
    if data is None:
        return None
    return Redaction(data["body"], data["all_headers"], tuple(data["headers"]))


def message_row(message: Message) -> tuple[str, str, bytes]:
    """One flat JSON object: the message's fields and its extras side by side."""
    data = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
    if message.extras is not NO_EXTRAS:  # most messages have none: skip the slow part
        for name in EXTRA_FIELDS:
            value = getattr(message.extras, name)
            if isinstance(value, CallbackSpec | FlowControl | Redaction):
                value = asdict(value)
            data[name] = value
    # None values are left out; loading fills in the defaults.
    compact = {name: value for name, value in data.items() if value is not None}
    return message.id, rowjson.dumps(compact), message.body


def message_from_row(data: str, body: bytes) -> Message:
    fields_ = json.loads(data)
    fields_["callback"] = _spec(fields_.get("callback"))
    fields_["failure_callback"] = _spec(fields_.get("failure_callback"))
    fields_["flow_control"] = _flow(fields_.get("flow_control"))
    fields_["redact"] = _redaction(fields_.get("redact"))
    fields_["headers"] = share(fields_.get("headers"))
    more = extras(**{name: fields_.pop(name, None) for name in EXTRA_FIELDS})
    return Message(body=bytes(body), extras=more, **fields_)


def dlq_row(entry: DlqEntry) -> tuple[str, int, str, bytes]:
    _, message_json, body = message_row(entry.message)
    data = {
        "message": json.loads(message_json),
        "response": {
            "status": entry.response.status,
            "headers": entry.response.headers,
            "body": entry.response.body.decode("latin-1"),
            "error": entry.response.error,
        },
        "failed_at": entry.failed_at,
    }
    return entry.dlq_id, entry.seq, json.dumps(data, separators=(",", ":")), body


def dlq_from_row(dlq_id: str, seq: int, data: str, body: bytes) -> DlqEntry:
    fields_ = json.loads(data)
    message = message_from_row(json.dumps(fields_["message"]), body)
    raw = fields_["response"]
    response = Response(
        status=raw["status"],
        headers=raw["headers"],
        body=raw["body"].encode("latin-1"),
        error=raw["error"],
    )
    return DlqEntry(dlq_id, seq, message, response, fields_["failed_at"])


def schedule_row(schedule: Schedule) -> tuple[str, str, bytes]:
    data = asdict(schedule)
    del data["body"], data["seq"]
    return schedule.id, json.dumps(data, separators=(",", ":")), schedule.body


def schedule_from_row(data: str, body: bytes) -> Schedule:
    fields_ = json.loads(data)
    raw = fields_.pop("template")
    raw["callback"] = _spec(raw.get("callback"))
    raw["failure_callback"] = _spec(raw.get("failure_callback"))
    raw["flow_control"] = _flow(raw.get("flow_control"))
    raw["redact"] = _redaction(raw.get("redact"))
    return Schedule(template=Template(**raw), body=bytes(body), **fields_)


def queue_row(queue: Queue) -> tuple[str, str]:
    data = {
        "parallelism": queue.parallelism,
        "paused": queue.paused,
        "created_at": queue.created_at,
        "updated_at": queue.updated_at,
    }
    return queue.name, json.dumps(data)


def queue_from_row(name: str, data: str) -> Queue:
    return Queue(name=name, **json.loads(data))


def url_group_row(group: UrlGroup) -> tuple[str, str]:
    return group.name, json.dumps(asdict(group))


def url_group_from_row(data: str) -> UrlGroup:
    fields_ = json.loads(data)
    endpoints = [Endpoint(**e) for e in fields_.pop("endpoints")]
    return UrlGroup(endpoints=endpoints, **fields_)
