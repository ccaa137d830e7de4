"""The body QStash posts to a callback or failure callback (QStash docs, features/callbacks)."""

from __future__ import annotations

import base64
import json

from emulator.qstash.models import JsonDict, Message, Response, ms


def payload(source: Message, response: Response, *, dlq_id: str | None = None) -> bytes:
    body: JsonDict = {
        "status": response.status,
        "header": response.headers,
        "body": base64.b64encode(response.body).decode(),
        "retried": source.retried,
        "maxRetries": source.max_retries,
        "sourceMessageId": source.id,
        "url": source.url,
        "method": source.method,
        "sourceHeader": source.headers,
        "sourceBody": base64.b64encode(source.body).decode(),
        "notBefore": ms(source.not_before),
        "createdAt": ms(source.created_at),
        "scheduleId": source.schedule_id,
        "callerIP": source.caller_ip,
        "topicName": source.topic_name,
        "endpointName": source.endpoint_name,
        "dlqId": dlq_id,
    }
    # The real payload omits zero values (Go omitempty), `retried` included; maxRetries stays
    # because receivers compare `retried == maxRetries` to spot the last attempt.
    compact = {k: v for k, v in body.items() if v or k in {"status", "maxRetries"}}
    return json.dumps(compact).encode()
