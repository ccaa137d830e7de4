"""The JSON shapes QStash answers with (reference Appendix A); no rules live here."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from emulator.qstash.models import (
    DlqEntry,
    Event,
    Headers,
    JsonDict,
    Message,
    Queue,
    Redaction,
    Schedule,
    Template,
    UrlGroup,
    ms,
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _body(out: JsonDict, body: bytes, *, key: str = "body") -> None:
    """UTF-8 bodies as text under `key`, anything else base64 under `keyBase64`; empty: omitted."""
    if not body:
        return
    try:
        out[key] = body.decode()
    except UnicodeDecodeError:
        out[key + "Base64"] = _b64(body)


def _redacted(value: bytes) -> str:
    return "REDACTED:" + hashlib.sha256(value).hexdigest()


def _shown_body(body: bytes, redact: Redaction | None) -> bytes:
    """The body as the API shows it: redacted bodies become `REDACTED:<sha256>`."""
    if redact is not None and redact.body and body:
        return _redacted(body).encode()
    return body


def _shown_headers(headers: Headers | None, redact: Redaction | None) -> Headers | None:
    if headers is None or redact is None or not (redact.all_headers or redact.headers):
        return headers
    return {
        name: [_redacted(v.encode()) for v in values]
        if redact.all_headers or name in redact.headers
        else values
        for name, values in headers.items()
    }


def _put(out: JsonDict, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _shared(out: JsonDict, template: Template | Message) -> None:
    """Fields messages, schedules and events share, under the names messages use."""
    callback, failure = template.callback, template.failure_callback
    _put(out, "header", _shown_headers(template.headers, template.redact))
    if callback is not None:
        out["callback"] = callback.url
        _put(out, "callbackHeader", callback.headers)
    if failure is not None:
        out["failureCallback"] = failure.url
        _put(out, "failureCallbackHeader", failure.headers)
    _put(out, "retryDelayExpression", template.retry_delay)
    if template.labels:
        out["label"] = template.labels[0]
        out["labels"] = template.labels
    flow = template.flow_control
    if flow is not None:
        out["flowControlKey"] = flow.key
        _put(out, "parallelism", flow.parallelism)
        _put(out, "rate", flow.rate)
        _put(out, "period", flow.period)


def _origin(out: JsonDict, message: Message) -> None:
    """Where a message came from: its schedule, URL group endpoint, queue and caller."""
    _put(out, "scheduleId", message.schedule_id)
    _put(out, "callerIP", message.caller_ip)
    _put(out, "topicName", message.topic_name)
    _put(out, "endpointName", message.endpoint_name)
    _put(out, "queueName", message.queue_name)


def message_json(message: Message) -> JsonDict:
    out: JsonDict = {
        "messageId": message.id,
        "url": message.url,
        "method": message.method,
        "maxRetries": message.max_retries,
        "notBefore": ms(message.not_before),
        "createdAt": ms(message.created_at),
    }
    _body(out, _shown_body(message.body, message.redact))
    _shared(out, message)
    _origin(out, message)
    return out


def dlq_json(entry: DlqEntry) -> JsonDict:
    out = message_json(entry.message)
    response = entry.response
    out["dlqId"] = entry.dlq_id
    # The Python SDK indexes responseStatus, so it is present even when no response came (0).
    out["responseStatus"] = response.status
    out["responseHeader"] = response.headers
    _body(out, response.body, key="responseBody")
    _put(out, "error", response.error)
    return out


def event_message_json(message: Message) -> JsonDict:
    """The part of an event that comes from its message (the same for all its events)."""
    out: JsonDict = {
        "messageId": message.id,
        "url": message.url,
        "method": message.method,
        "maxRetries": message.max_retries,
        "body": _b64(_shown_body(message.body, message.redact)),
    }
    _shared(out, message)
    # Events spell these differently from messages (reference A.3); emit both where sources differ.
    if "callbackHeader" in out:
        out["callbackHeaders"] = out.pop("callbackHeader")
    if "failureCallbackHeader" in out:
        out["failureCallbackHeaders"] = out.pop("failureCallbackHeader")
    if message.retry_delay is not None:
        out["retryDelayExpr"] = message.retry_delay
    if message.timeout is not None:
        out["timeout"] = ms(message.timeout)
    _origin(out, message)
    return out


def event_own_json(event: Event) -> JsonDict:
    """The part of an event that is its own: time, state, error, next try, response."""
    out: JsonDict = {"time": ms(event.time), "state": event.state}
    _put(out, "error", event.error)
    if event.next_delivery_time is not None:
        out["nextDeliveryTime"] = ms(event.next_delivery_time)
    response = event.response
    if response is not None:
        out["responseStatus"] = response.status
        out["responseHeader"] = out["responseHeaders"] = response.headers
        out["responseBody"] = _b64(response.body)
    return out


def event_json(event: Event) -> JsonDict:
    return {**event_own_json(event), **event_message_json(event.message)}


def schedule_json(schedule: Schedule) -> JsonDict:
    template = schedule.template
    out: JsonDict = {
        "scheduleId": schedule.id,
        "destination": schedule.destination,
        "cron": schedule.cron,
        "createdAt": ms(schedule.created_at),
        "method": template.method,
        "retries": template.retries,
        "isPaused": schedule.paused,
    }
    _body(out, _shown_body(schedule.body, schedule.template.redact))
    _shared(out, template)
    if template.delay:
        out["delay"] = int(template.delay)
    if template.timeout is not None:
        out["timeout"] = int(template.timeout)
    if schedule.caller_ip is not None:
        out["callerIP"] = out["callerIp"] = schedule.caller_ip
    _put(out, "queueName", schedule.queue_name)
    if schedule.last_schedule_time is not None:
        out["lastScheduleTime"] = ms(schedule.last_schedule_time)
    if schedule.next_schedule_time is not None and not schedule.paused:
        out["nextScheduleTime"] = ms(schedule.next_schedule_time)
    if schedule.last_states:
        out["lastScheduleStates"] = dict(schedule.last_states)
    _put(out, "error", schedule.error)
    return out


def queue_json(queue: Queue, lag: int) -> JsonDict:
    return {
        "name": queue.name,
        "parallelism": queue.parallelism,
        "paused": queue.paused,
        "lag": lag,
        "createdAt": ms(queue.created_at),
        "updatedAt": ms(queue.updated_at),
    }


def url_group_json(group: UrlGroup) -> JsonDict:
    endpoints: list[JsonDict] = []
    for endpoint in group.endpoints:
        item: JsonDict = {"url": endpoint.url}
        _put(item, "name", endpoint.name)
        endpoints.append(item)
    return {
        "name": group.name,
        "createdAt": ms(group.created_at),
        "updatedAt": ms(group.updated_at),
        "endpoints": endpoints,
    }
