"""Publishing rules shared by publish, enqueue, batch: URL or URL group, dedup, queue."""

from __future__ import annotations

import json
import re
from typing import Any

from emulator.qstash.errors import bad_request
from emulator.qstash.headers import dedup_key
from emulator.qstash.models import Template
from emulator.qstash.state import State

NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_SCHEME_ERROR = "invalid destination url: endpoint has invalid scheme, add http:// or https://"


def check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise bad_request(
            f"invalid {what}: can only contain alphanumeric characters, hyphens, periods, "
            "and underscores"
        )
    return value


def resolve(state: State, destination: str) -> list[tuple[str, str | None]] | None:
    """[(url, endpoint name)] for a URL group, None for a plain URL; 400 for anything else."""
    if destination.startswith(("http://", "https://")):
        return None
    group = state.url_groups.get(destination)
    if group is None or not group.endpoints:
        raise bad_request(_SCHEME_ERROR)
    return [(endpoint.url, endpoint.name) for endpoint in group.endpoints]


def publish(
    state: State,
    destination: str,
    body: bytes,
    template: Template,
    *,
    caller_ip: str | None,
    queue_name: str | None = None,
) -> tuple[Any, bool]:
    """Accept one publish; returns (the JSON answer, whether it was a duplicate).

    A URL answers `{"messageId"}`; a URL group answers one `{"messageId", "url"}` per endpoint.
    A duplicate (same dedup id or content within the window) answers the first publish's ids.
    """
    targets = resolve(state, destination)
    key = dedup_key(template, destination, body)
    previous = state.find_duplicate(key)
    if previous is not None:
        return _mark_duplicate(json.loads(previous)), True
    if queue_name is not None:
        state.queue(check_name(queue_name, "queue name"))
    answer: Any
    if targets is None:
        message = state.accept(
            destination, body, template, caller_ip=caller_ip, queue_name=queue_name
        )
        answer = {"messageId": message.id}
    else:
        answer = []
        for url, endpoint_name in targets:
            message = state.accept(
                url,
                body,
                template,
                caller_ip=caller_ip,
                queue_name=queue_name,
                topic_name=destination,
                endpoint_name=endpoint_name,
            )
            answer.append({"messageId": message.id, "url": url})
    if key is not None:
        state.remember_dedup(key, json.dumps(answer))
    return answer, False


def _mark_duplicate(answer: Any) -> Any:
    if isinstance(answer, list):
        return [{**item, "deduplicated": True} for item in answer]
    return {**answer, "deduplicated": True}
