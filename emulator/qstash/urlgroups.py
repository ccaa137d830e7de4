"""URL group ("topic") rules: add or update endpoints, remove them, list, get, delete."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from emulator.qstash.errors import bad_request, not_found
from emulator.qstash.headers import check_url
from emulator.qstash.models import Endpoint, UrlGroup
from emulator.qstash.publishing import check_name
from emulator.qstash.state import State


def parse_endpoints(data: Any, *, need_url: bool) -> list[Endpoint]:
    endpoints = data.get("endpoints") if isinstance(data, dict) else None
    if not isinstance(endpoints, list) or not endpoints:
        raise bad_request("endpoints: a non-empty list of {url, name} objects is required")
    parsed = []
    for index, item in enumerate(endpoints):
        url = item.get("url") if isinstance(item, dict) else None
        name = item.get("name") if isinstance(item, dict) else None
        if (url is not None and not isinstance(url, str)) or (
            name is not None and not isinstance(name, str)
        ):
            raise bad_request(f"endpoints[{index}]: url and name must be strings")
        if need_url and url is None:
            raise bad_request(f"endpoints[{index}].url: is required")
        if url is None and name is None:
            raise bad_request(f"endpoints[{index}]: url or name is required")
        if url is not None:
            check_url(url, f"endpoints[{index}].url")
        parsed.append(Endpoint(url or "", name))
    return parsed


def upsert_endpoints(state: State, name: str, endpoints: list[Endpoint]) -> UrlGroup:
    check_name(name, "url group name")
    now = state.now()
    group = _copy(state.url_groups.get(name) or UrlGroup(name, now, now))
    for endpoint in endpoints:
        # An endpoint is identified by its url (or its name) and updated when present.
        for existing in group.endpoints:
            if existing.url == endpoint.url or (endpoint.name and existing.name == endpoint.name):
                existing.url, existing.name = endpoint.url, endpoint.name
                break
        else:
            group.endpoints.append(endpoint)
    group.updated_at = now
    state.put_url_group(group)
    return group


def _copy(group: UrlGroup) -> UrlGroup:
    """A group to change and then put: the state swaps it in, and back if the disk refuses."""
    endpoints = [Endpoint(e.url, e.name) for e in group.endpoints]
    return replace(group, endpoints=endpoints, headers=dict(group.headers))


def remove_endpoints(state: State, name: str, endpoints: list[Endpoint]) -> None:
    group = _copy(get(state, name))

    def removed(existing: Endpoint) -> bool:
        return any(
            (e.url and e.url == existing.url) or (e.name and e.name == existing.name)
            for e in endpoints
        )

    group.endpoints = [e for e in group.endpoints if not removed(e)]
    group.updated_at = state.now()
    if group.endpoints:
        state.put_url_group(group)
    else:
        delete(state, name)  # a group without endpoints is deleted, as QStash does


def parse_default_headers(data: Any) -> dict[str, list[str]]:
    """The body of PATCH /v2/topics/{name}: `{"headers": {name: value or [values]}}`."""
    headers = data.get("headers") if isinstance(data, dict) else None
    if not isinstance(headers, dict):
        raise bad_request("headers: an object of header names to strings is required")
    parsed: dict[str, list[str]] = {}
    for name, value in headers.items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise bad_request(f"headers.{name}: must be a string or a list of strings")
        parsed[name] = values
    return parsed


def set_default_headers(state: State, name: str, headers: dict[str, list[str]]) -> None:
    """Replace the group's default publish headers."""
    group = _copy(get(state, name))
    group.headers = headers
    group.updated_at = state.now()
    state.put_url_group(group)


def with_defaults(
    state: State, destination: str, items: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """A publish's header items plus its URL group's defaults that it does not set itself."""
    if destination.startswith(("http://", "https://")):
        return items
    group = state.url_groups.get(destination)
    if group is None or not group.headers:
        return items
    given = {name.lower() for name, _ in items}
    defaults = [
        (name, value)
        for name, values in group.headers.items()
        if name.lower() not in given
        for value in values
    ]
    return items + defaults


def get(state: State, name: str) -> UrlGroup:
    group = state.url_groups.get(name)
    if group is None:
        raise not_found(f"url group {name} not found")
    return group


def delete(state: State, name: str) -> None:
    state.delete_url_group(name)
