"""POST /v2/publish/{destination}, /v2/enqueue/{queue}/{destination} and /v2/batch."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.qstash import publishing
from emulator.qstash.appkeys import DISPATCHER
from emulator.qstash.errors import ApiError, bad_request
from emulator.qstash.headers import parse_template, shared_template
from emulator.qstash.models import Template
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
    template = shared_template(config_items(request))
    answer, duplicate = publishing.publish(
        state, destination, await request.read(), template, caller_ip=caller_ip(request)
    )
    # 200 only once the message is on disk; concurrent publishers share one commit.
    await state.store.commit()
    return ok(answer, status=202 if duplicate else 200)


def _no_delay(template: Template, where: str) -> None:
    # QStash does not take Upstash-Delay or Upstash-Not-Before on enqueue (docs PR #279).
    if template.delay or template.not_before is not None:
        raise bad_request(
            f"{where}Upstash-Delay and Upstash-Not-Before are not supported for enqueue"
        )


async def enqueue(request: web.Request) -> web.Response:
    state = state_of(request)
    await request.app[DISPATCHER].admission()
    queue_name = request.match_info["queue"]
    destination = raw_destination(request, f"/v2/enqueue/{queue_name}/")
    template = shared_template(config_items(request))
    _no_delay(template, "")
    answer, duplicate = publishing.publish(
        state,
        destination,
        await request.read(),
        template,
        caller_ip=caller_ip(request),
        queue_name=queue_name,
    )
    await state.store.commit()
    return ok(answer, status=202 if duplicate else 200)


async def batch(request: web.Request) -> web.Response:
    """Every item is checked before any is accepted, so a bad item fails the whole batch
    with a 400 naming its index (QStash leaves the per-item error shape undocumented)."""
    state = state_of(request)
    await request.app[DISPATCHER].admission()
    items = await json_body(request, required=True)
    if not isinstance(items, list):
        raise bad_request("request body: must be a JSON array of messages")
    prepared = [_batch_item(index, item) for index, item in enumerate(items)]
    answers = []
    for index, (destination, body, template, queue_name) in enumerate(prepared):
        try:
            answer, _ = publishing.publish(
                state,
                destination,
                body,
                template,
                caller_ip=caller_ip(request),
                queue_name=queue_name,
            )
        except ApiError as exc:
            raise ApiError(exc.status, f"batch[{index}]: {exc.message}") from None
        answers.append(answer)
    await state.store.commit()
    return ok(answers)


def _batch_item(index: int, item: Any) -> tuple[str, bytes, Template, str | None]:
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
    try:
        template = parse_template(headers.items())
        if queue_name is not None:
            _no_delay(template, "")
    except ApiError as exc:
        raise ApiError(exc.status, where + exc.message) from None
    return destination, (body or "").encode(), template, queue_name
