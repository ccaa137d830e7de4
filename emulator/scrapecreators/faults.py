"""Injected faults: for the next N requests on a path, answer an error, garbage, or late."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

from aiohttp import web

from emulator.scrapecreators import bodies

# kind -> (status, what it imitates). `latency` and `timeout` change when, not what, is answered.
KINDS: dict[str, str] = {
    "rate_limit": "429 JSON, with a Retry-After header when retry_after is given",
    "server_error": "500 JSON",
    "unavailable": "503 text/plain upstream reset, as Cloudflare/Render answer",
    "out_of_credits": "402 with the real out-of-credits body",
    "not_found_html": "404 Express HTML page",
    "malformed_json": "200 application/json whose body is not JSON",
    "latency": "wait `delay`, then answer normally (replay or synthetic)",
    "timeout": "hold the request for `delay` (default 300s) then 504, consuming no recording",
    "status": "answer `status` (400-599): the canned body above when there is one, else JSON",
    "delay": "the same as latency (the QStash emulator's name)",
}
# A `status` fault for a status with a canned answer becomes that kind, so 503 is always text.
_BY_STATUS = {
    429: "rate_limit",
    500: "server_error",
    503: "unavailable",
    402: "out_of_credits",
    404: "not_found_html",
}
DEFAULT_TIMEOUT_HOLD = 300.0
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


class FaultError(ValueError):
    """Bad fault input; names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Fault:
    path: str
    kind: str
    remaining: int
    delay: float = 0.0
    retry_after: int | None = None
    status: int | None = None

    def matches(self, path: str) -> bool:
        # A glob when it has wildcards, else a substring: "/v1/tiktok/*" and "profile" both work.
        if any(ch in self.path for ch in "*?["):
            return fnmatchcase(path, self.path)
        return self.path in path

    def describe(self) -> dict[str, Any]:
        return asdict(self)


def parse_delay(value: Any) -> float:
    """Seconds from a number or a duration string ("250ms", "2s", "1m")."""
    if isinstance(value, bool):
        raise FaultError("delay", "delay must be a number of seconds or a duration like '2s'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value.strip())):
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise FaultError("delay", "delay must be a number of seconds or a duration like '2s'")
    if seconds < 0:
        raise FaultError("delay", "delay must not be negative")
    return seconds


def parse(body: Any) -> Fault:
    """A fault from the JSON of POST /_mock/faults, or FaultError naming the bad field."""
    if not isinstance(body, dict):
        raise FaultError("body", "the body must be a JSON object")
    path = body.get("path")
    if not isinstance(path, str) or not path:
        raise FaultError("path", "path must be a non-empty string (a glob or a substring)")
    kind = body.get("kind")
    if kind not in KINDS:
        raise FaultError("kind", f"kind must be one of {', '.join(KINDS)}")
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultError("count", "count must be a positive integer")
    retry_after = body.get("retry_after")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
    ):
        raise FaultError("retry_after", "retry_after must be a non-negative integer of seconds")
    status = None
    if kind == "status":
        status = body.get("status")
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultError("status", "status must be an integer from 400 to 599")
        kind = _BY_STATUS.get(status, "status")
    kind = "latency" if kind == "delay" else kind
    default = DEFAULT_TIMEOUT_HOLD if kind == "timeout" else 0.0
    delay = parse_delay(body["delay"]) if "delay" in body else default
    if kind == "latency" and "delay" not in body:
        raise FaultError("delay", "a latency fault needs a delay")
    return Fault(
        path=path,
        kind=kind,
        remaining=count,
        delay=delay,
        retry_after=retry_after,
        status=status if kind == "status" else None,
    )


class FaultBook:
    """Pending faults, consumed first-in first-out for each matching request."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [fault.describe() for fault in self._faults]

    def clear(self) -> None:
        self._faults.clear()


def response_for(fault: Fault, path: str) -> web.Response:
    """The canned answer of an error-kind fault (not latency, which answers normally)."""
    if fault.kind == "rate_limit":
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
        body = {"success": False, "message": "Too many requests, slow down"}
        return bodies.json_response(429, body, headers)
    if fault.kind == "server_error":
        return bodies.json_response(500, {"success": False, "message": "Internal server error"})
    if fault.kind == "unavailable":
        return web.Response(status=503, text=bodies.UPSTREAM_RESET, content_type="text/plain")
    if fault.kind == "out_of_credits":
        return bodies.json_response(402, bodies.OUT_OF_CREDITS)
    if fault.kind == "not_found_html":
        return bodies.html_not_found(path)
    if fault.kind == "malformed_json":
        return web.Response(
            status=200,
            body=b'{"success":true,"cursor":30,"search_item_li',
            content_type="application/json",
        )
    if fault.kind == "status" and fault.status is not None:
        return bodies.json_response(fault.status, {"success": False, "message": "mock fault"})
    # A held request that nobody abandoned ends like a gateway giving up.
    return bodies.json_response(504, {"success": False, "message": "mock timeout"})
