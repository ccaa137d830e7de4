"""Text a client sends us: no control characters, no lone surrogates, the same on every engine.

The rule: Unicode category Cc (C0 controls, DEL, C1 controls) and Cs (lone surrogates, which
only arrive through undecodable bytes) are refused everywhere, except that multi-line fields
(a campaign description) keep TAB, LF and CR. PostgreSQL cannot store NUL in text at all and
SQLite would store it and send it on to ScrapeCreators, so refusing at the edge is the only way
both engines behave alike. Format characters (Cf: zero-width joiners in emoji, bidi marks) are
ordinary text and stay allowed.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from service.errors import InvalidInput

# One character class per rule, so a check is a single regex search (C speed on long text).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


# The same rules as JSON Schema patterns, for the OpenAPI document (ECMA-262 syntax): no control
# character; at least one character that is neither space nor control; and the multi-line form.
_NO_CONTROL = r"[^\x00-\x1f\x7f-\x9f]*"
NOT_BLANK_TEXT_PATTERN = rf"^{_NO_CONTROL}[^\s\x00-\x1f\x7f-\x9f]{_NO_CONTROL}$"
MULTILINE_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
# Space that is not a control character (Python's and ECMA's `\s` both include TAB and LF).
PLAIN_SPACE = r"[^\S\x00-\x1f\x7f-\x9f]"


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` is not acceptable text (a reason without the field), or None when it is."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if 0xD800 <= ord(found.group()) <= 0xDFFF:
        return f"must be valid UTF-8 text (found the lone surrogate {code})"
    return f"must not contain control characters (found {code})"


def check_text(value: str, field: str, *, multiline: bool = False) -> str:
    """`value` unchanged when acceptable; InvalidInput naming `field` otherwise."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise InvalidInput(f"{field}: {problem}")
    return value


def _single_line(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _multiline(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem is not None:
        raise ValueError(problem)
    return value


def printable(text: str) -> str:
    """Text from a third party made safe to store and show: controls become U+FFFD."""
    return _CONTROL.sub("\ufffd", " ".join(text.split()))


# For request models: `name: SafeText`, `description: MultilineText | None`. Both are plain
# `str` in the JSON schema, so field constraints (max_length, ...) compose with them.
SafeText = Annotated[str, AfterValidator(_single_line)]
MultilineText = Annotated[str, AfterValidator(_multiline)]
