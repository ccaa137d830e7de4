"""POST /v2/publish/{destination}, /v2/enqueue/{queue}/{destination} and /v2/batch."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.qstash import publishing, urlgroups
from emulator.qstash.appkeys import DISPATCHER, QUOTA
from emulator.qstash.errors import ApiError, bad_request
from emulator.qstash.headers import parse_template, shared_template
from emulator.qstash.models import Template
from emulator.qstash.quota import Quota
from emulator.qstash.responses.common import (
    caller_ip,
    config_items,
    json_body,
    ok,
    raw_destination,
    state_of,
)


async def publish(request: web.Request) -> web.Response:
    state = state_of(request)
    await request.app[DISPATCHER].admission()
    destination = raw_destination(request, "/v2/publish/")
    body = await request.read()
    quota = request.app[QUOTA]
    items = urlgroups.with_defaults(state, destination, config_items(request))
    template = quota.message(shared_template(items), body, state.now())
    quota.check_daily(state.now())
    answer, duplicate = publishing.publish(
        state, destination, body, template, caller_ip=caller_ip(request)
    )
    _count(quota, answer, duplicate, state.now())
    return ok(answer, status=202 if duplicate else 200)


def _count(quota: Quota, answer: Any, duplicate: bool, now: float) -> None:
    """A publish's messages count against the plan's day (a URL group's: one per endpoint)."""
    if not duplicate:
        quota.count(len(answer) if isinstance(answer, list) else 1, now)


def _no_delay(template: Template, where: str) -> None:
    # QStash does not take Upstash-Delay or Upstash-Not-Before on enqueue (docs PR #279).
    if template.delay or template.not_before is not None:
        raise bad_request(
            f"{where}Upstash-Delay and Upstash-Not-Before are not supported for enqueue"
        )


def _queue_quota(request: web.Request, queue_name: str) -> None:
    """Enqueueing to a new queue creates it: within the plan's queue count."""
    queues = state_of(request).queues
    if queue_name not in queues:
        request.app[QUOTA].new_queue(len(queues))


async def enqueue(request: web.Request) -> web.Response:
    state = state_of(request)
    await request.app[DISPATCHER].admission()
    queue_name = request.match_info["queue"]
    destination = raw_destination(request, f"/v2/enqueue/{queue_name}/")
    body = await request.read()
    quota = request.app[QUOTA]
    template = shared_template(urlgroups.with_defaults(state, destination, config_items(request)))
    _no_delay(template, "")
    template = quota.message(template, body, state.now())
    quota.check_daily(state.now())
    _queue_quota(request, queue_name)
    answer, duplicate = publishing.publish(
        state, destination, body, template, caller_ip=caller_ip(request), queue_name=queue_name
    )
    _count(quota, answer, duplicate, state.now())
    return ok(answer, status=202 if duplicate else 200)


async def batch(request: web.Request) -> web.Response:
    """A malformed batch (not an array of message objects) is a 400 naming the item. Once
    the format is valid, each message is published on its own: one QStash refuses (a bad
    header, an unknown URL group, a plan limit) answers `{"error": ...}` in its place while
    the others are sent (DOC features/batch)."""
    state = state_of(request)
    await request.app[DISPATCHER].admission()
    items = await json_body(request, required=True)
    if not isinstance(items, list):
        raise bad_request("request body: must be a JSON array of messages")
    prepared = [_batch_item(index, item) for index, item in enumerate(items)]
    quota = request.app[QUOTA]
    quota.check_daily(state.now())
    answers = []
    for item in prepared:
        try:
            answers.append(_publish_item(request, quota, item))
        except ApiError as exc:
            answers.append({"error": exc.message})
    return ok(answers)


_Item = tuple[str, bytes, dict[str, str], str | None]


def _publish_item(request: web.Request, quota: Quota, item: _Item) -> Any:
    state = state_of(request)
    destination, body, headers, queue_name = item
    template = parse_template(urlgroups.with_defaults(state, destination, list(headers.items())))
    if queue_name is not None:
        _no_delay(template, "")
    template = quota.message(template, body, state.now())
    quota.check_daily(state.now())
    if queue_name is not None:
        _queue_quota(request, queue_name)
    answer, duplicate = publishing.publish(
        state, destination, body, template, caller_ip=caller_ip(request), queue_name=queue_name
    )
    _count(quota, answer, duplicate, state.now())
    return answer


def _batch_item(index: int, item: Any) -> _Item:
    where = f"batch[{index}]: "
    if not isinstance(item, dict):
        raise bad_request(f"{where}must be a JSON object")
    destination = item.get("destination")
    if not isinstance(destination, str) or not destination:
        raise bad_request(f"{where}destination: a URL or URL group name is required")
    headers = item.get("headers") or {}
    body = item.get("body")
    queue_name = item.get("queue")
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise bad_request(f"{where}headers: must be an object of strings")
    if body is not None and not isinstance(body, str):
        raise bad_request(f"{where}body: must be a string or null")
    if queue_name is not None and not isinstance(queue_name, str):
        raise bad_request(f"{where}queue: must be a string or null")
    return destination, (body or "").encode(), headers, queue_name
