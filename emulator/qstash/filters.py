"""Query-string filters and cursor paging shared by the events, DLQ and bulk-cancel endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar
from urllib.parse import urlsplit

from multidict import MultiMapping

from emulator.qstash.errors import bad_request
from emulator.qstash.models import JsonDict

T = TypeVar("T")
Predicate = Callable[[JsonDict], bool]

# query parameter -> JSON field it matches exactly (repeated parameters mean "any of")
_FIELDS = {
    "messageId": "messageId",
    "messageIds": "messageId",
    "dlqIds": "dlqId",
    "url": "url",
    "topicName": "topicName",
    "queueName": "queueName",
    "scheduleId": "scheduleId",
    "callerIp": "callerIP",
    "callerIP": "callerIP",
    "flowControlKey": "flowControlKey",
    "responseStatus": "responseStatus",
}
IN_PROGRESS = frozenset({"ACTIVE", "RETRY", "ERROR"})
# Paging and control parameters that are not filters.
_NOT_FILTERS = frozenset({"cursor", "count", "order", "trimBody", "qstash_token"})
# The destination's host and path: cancel and logs filter by them, the DLQ refuses them.
DESTINATION_PARTS = frozenset({"host", "path"})


def _int_param(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"invalid {name}: {value!r} is not an integer") from None


def _states(values: Iterable[str]) -> set[str]:
    states: set[str] = set()
    for value in values:
        upper = value.upper()
        if upper == "IN_PROGRESS":
            states |= IN_PROGRESS
        else:
            states.add("CANCELED" if upper == "CANCELLED" else upper)
    return states


def _labels(item: JsonDict) -> list[str]:
    labels = item.get("labels")
    return list(labels) if isinstance(labels, list) else []


def build(
    query: MultiMapping[str], *, time_key: str, refuse: frozenset[str] = frozenset()
) -> tuple[Predicate, bool]:
    """A predicate over rendered JSON items, and whether any filter was given at all.

    A key given several times matches any of its values; different keys must all match.
    Keys in `refuse` are filters this endpoint does not offer: a 400 naming them.
    """
    checks: list[Predicate] = []
    for param in dict.fromkeys(query.keys()):
        if param in refuse:
            raise bad_request(f"invalid filter {param}: not supported by this endpoint")
        values = [str(v) for v in query.getall(param)]
        if param in _FIELDS:
            field = _FIELDS[param]
            wanted = set(values)
            checks.append(lambda item, f=field, w=wanted: str(item.get(f)) in w)  # type: ignore[misc]
        elif param == "state":
            states = _states(values)
            checks.append(lambda item, s=states: item.get("state") in s)  # type: ignore[misc]
        elif param == "label":
            labels = set(values)
            checks.append(lambda item, w=labels: bool(w.intersection(_labels(item))))  # type: ignore[misc]
        elif param in DESTINATION_PARTS:
            part = param
            wanted = set(values)
            checks.append(lambda item, p=part, w=wanted: _url_part(item, p) in w)  # type: ignore[misc]
        elif param == "fromDate":
            low = _int_param(param, values[0])
            checks.append(lambda item, v=low: int(item.get(time_key, 0)) >= v)  # type: ignore[misc]
        elif param == "toDate":
            high = _int_param(param, values[0])
            checks.append(lambda item, v=high: int(item.get(time_key, 0)) <= v)  # type: ignore[misc]
        elif param not in _NOT_FILTERS:
            raise bad_request(f"unknown filter: {param}")
    return (lambda item: all(check(item) for check in checks)), bool(checks)


def _url_part(item: JsonDict, part: str) -> str:
    parts = urlsplit(str(item.get("url", "")))
    return parts.hostname or "" if part == "host" else parts.path


def count_param(query: MultiMapping[str], *, default: int, maximum: int | None) -> int:
    """The query's `count` (at least 1), capped at `maximum` when there is one."""
    raw = query.get("count")
    if raw is None:
        return default
    count = _int_param("count", raw)
    if count < 1:
        raise bad_request("invalid count: must be at least 1")
    return count if maximum is None else min(count, maximum)


def page(
    items: Sequence[tuple[int, T]], query: MultiMapping[str], *, default: int, maximum: int
) -> tuple[list[T], str | None]:
    """Items newest first (by seq); the cursor is the seq of the first item not returned."""
    count = count_param(query, default=default, maximum=maximum)
    cursor = query.get("cursor")
    start = _int_param("cursor", cursor) if cursor else None
    selected = [(seq, item) for seq, item in items if start is None or seq <= start]
    chosen = selected[: count + 1]
    next_cursor = str(chosen[count][0]) if len(chosen) > count else None
    return [item for _, item in chosen[:count]], next_cursor
