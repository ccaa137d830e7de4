"""The real API's own error bodies, byte for byte as recorded, so clients meet them offline."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"

API_KEY_REQUIRED: dict[str, Any] = {"success": False, "message": "apiKey is required"}
OUT_OF_CREDITS: dict[str, Any] = {
    "message": (
        "Looks like you're out of credits :( You'll need to buy more to continue using the service."
    )
}
UPSTREAM_RESET = (
    "upstream connect error or disconnect/reset before headers. "
    "reset reason: connection termination"
)
# Express answers an unknown route with its stock HTML page, not JSON.
EXPRESS_404 = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
</head>
<body>
<pre>Cannot GET {path}</pre>
</body>
</html>
"""


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response with the real API's compact encoding and charset."""
    return web.Response(
        status=status,
        body=json.dumps(body, separators=(",", ":")).encode(),
        content_type=JSON_TYPE,
        charset="utf-8",
        headers=headers,
    )


def html_not_found(path: str) -> web.Response:
    return web.Response(
        status=404, text=EXPRESS_404.format(path=path), content_type="text/html", charset="utf-8"
    )


def control_error(status: int, field: str, message: str) -> web.Response:
    """An error of the mock's own controls: the offending field named, never a traceback."""
    return json_response(status, {"error": message, "field": field})
