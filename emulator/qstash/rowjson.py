"""Compact JSON text for the store's rows, rendered fast on the writer thread."""

from __future__ import annotations

import json
from typing import Any

import orjson

_FALLBACK = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def dumps(data: Any) -> str:
    """`data` as compact JSON text that `json.loads` reads back.

    orjson renders a row several times faster than json, and the writer thread holds the GIL
    while it renders, so every microsecond here is taken from the event loop. What orjson
    refuses (lone surrogates from undecodable header bytes, integers beyond 64 bits) goes
    through json, so no row is ever dropped for its content.
    """
    try:
        return orjson.dumps(data).decode()
    except orjson.JSONEncodeError:
        return _FALLBACK(data)
