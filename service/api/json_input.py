"""The one parser of untrusted JSON in the service: bounded size, depth and numbers.

Every JSON body (API requests, QStash deliveries, the base64 bodies inside a failure callback)
goes through `parse_json`, so a hostile body gets the same 400 naming its field everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pydantic_core

from service.errors import InvalidInput

# aiohttp's default client_max_size; our own bodies are a few hundred bytes.
MAX_BODY_BYTES = 1024 * 1024
# The deepest body we accept has 3 levels (a failure callback's headers: object → list → str);
# 32 leaves room for clients while keeping every later walk over the value shallow.
MAX_DEPTH = 32


def parse_json(raw: bytes | str, field: str = "body") -> Any:
    """The JSON value in `raw`, or InvalidInput naming `field`.

    pydantic-core's parser (not the stdlib's) because it never raises RecursionError (it stops
    at 200 levels), refuses lone surrogates, invalid UTF-8 and integers of thousands of digits,
    and (with allow_inf_nan=False) the NaN and Infinity literals, which are not JSON. A float
    literal beyond range (1e309) parses as inf; every model field that takes a number is an
    integer, so the model refuses it naming the field.
    """
    try:
        value = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as error:
        if "recursion limit" in str(error):
            raise InvalidInput(f"{field}: nested deeper than {MAX_DEPTH} levels") from None
        raise InvalidInput(f"{field}: must be valid JSON ({error})") from None
    if _depth(value) > MAX_DEPTH:
        raise InvalidInput(f"{field}: nested deeper than {MAX_DEPTH} levels")
    return value


def parse_json_object(raw: bytes | str, field: str = "body") -> dict[str, Any]:
    value = parse_json(raw, field)
    if not isinstance(value, dict):
        raise InvalidInput(f"{field}: must be a JSON object")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of a parsed value (a scalar is 0), walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
