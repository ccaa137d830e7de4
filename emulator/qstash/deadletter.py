"""Dead-letter queue rules: look up, delete, and retry (publish the original again)."""

from __future__ import annotations

from emulator.qstash.errors import not_found
from emulator.qstash.models import DlqEntry, Message, Template
from emulator.qstash.state import State


def get(state: State, dlq_id: str) -> DlqEntry:
    entry = state.dlq.get(dlq_id)
    if entry is None:
        raise not_found(f"dlq message {dlq_id} not found")
    return entry


def delete(state: State, dlq_ids: list[str]) -> int:
    return state.delete_dlq(dlq_ids)


def retry(state: State, dlq_id: str) -> Message:
    """Publish the original message again, with fresh retries, and drop the DLQ entry."""
    entry = get(state, dlq_id)
    old = entry.message
    template = Template(
        method=old.method,
        headers=old.headers,
        retries=old.max_retries,
        retry_delay=old.retry_delay,
        timeout=old.timeout,
        callback=old.callback,
        failure_callback=old.failure_callback,
        labels=old.labels,
        flow_control=old.flow_control,
        redact=old.redact,
    )
    message = state.accept(
        old.url,
        old.body,
        template,
        caller_ip=old.caller_ip,
        schedule_id=old.schedule_id,
        callback_of=old.callback_of,
        queue_name=old.queue_name,
        topic_name=old.topic_name,
        endpoint_name=old.endpoint_name,
    )
    delete(state, [dlq_id])
    return message
