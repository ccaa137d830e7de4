"""The mock's fault kinds: an error, garbage, or a late answer for a matching request."""

from __future__ import annotations

from aiohttp import web

from emulator.faults import Fault, FaultBook, FaultSpec
from emulator.scrapecreators import bodies

# The API handler (emulator/scrapecreators/api.py) carries these out; the rule model is
# emulator/faults.py. `latency` and `timeout` change when, not what, is answered.
SPEC = FaultSpec(
    target="path",
    kinds={
        "rate_limit": "429 JSON, with a Retry-After header when retry_after is given",
        "server_error": "500 JSON",
        "unavailable": "503 text/plain upstream reset, as Cloudflare/Render answer",
        "out_of_credits": "402 with the real out-of-credits body",
        "not_found_html": "404 Express HTML page",
        "malformed_json": "200 application/json whose body is not JSON",
        "latency": "wait `delay`, then answer normally (replay or synthetic)",
        "timeout": "hold the request for `delay` (default 300s) then 504, consuming no recording",
        "status": (
            "answer `status` (400-599): the canned body above when there is one, else JSON; "
            "retry_after adds a Retry-After header"
        ),
        "delay": "the same as latency (the QStash emulator's name)",
    },
    lowest_status=400,
    aliases={"delay": "latency"},
    # A `status` fault for a status with a canned answer becomes that kind, so 503 is always text.
    by_status={
        429: "rate_limit",
        500: "server_error",
        503: "unavailable",
        402: "out_of_credits",
        404: "not_found_html",
    },
    needs_delay=frozenset({"latency"}),
    default_delay={"timeout": 300.0},
)


def fault_book() -> FaultBook:
    return FaultBook(SPEC)


def response_for(fault: Fault, path: str) -> web.Response:
    """The canned answer of an error-kind fault (not latency, which answers normally)."""
    retry = None if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if fault.kind == "rate_limit":
        body = {"success": False, "message": "Too many requests, slow down"}
        return bodies.json_response(429, body, retry)
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
        body = {"success": False, "message": "mock fault"}
        return bodies.json_response(fault.status, body, retry)
    # A held request that nobody abandoned ends like a gateway giving up.
    return bodies.json_response(504, {"success": False, "message": "mock timeout"})
