"""Durations in both emulators: Go's grammar, and the seconds a control request gives."""

from __future__ import annotations

import functools
import re

from emulator.errors import FieldError

# The emulators' one duration family. The service keeps its own (its config values' grammar,
# service/config/values.py): the service is the production artifact and imports nothing from
# the emulators, and the emulators stand in for outside services without importing the system
# they are used to test, so neither package can hold the other's parser.

# Nanoseconds per unit: Go's time.ParseDuration table plus QStash's `d` (days).
_UNITS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
}
_DIGITS = frozenset("0123456789")
_NUMERIC = frozenset("0123456789.")
_MAX_NS = 1 << 63  # Go durations are int64 nanoseconds
# A string of plain seconds ("2", "0.5"): the mock's fault delays took these before they
# shared this parser, so they still mean seconds in every control request.
_PLAIN_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _quote(text: str) -> str:
    """Quote like Go's time package does in its error messages."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@functools.lru_cache(maxsize=512)
def parse_duration(text: str) -> float:
    """Seconds in a Go duration (`1h30m`, `1.5s`, `-2m`, `300ms`, `1d10h30m`).

    Raises ValueError with Go's own messages, e.g. `time: missing unit in duration "1"`.
    Cached: publishers send the same few header values over and over.
    """
    invalid = ValueError(f"time: invalid duration {_quote(text)}")
    rest = text
    negative = False
    if rest[:1] in ("-", "+"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise invalid
    total = 0
    while rest:
        if rest[0] not in _NUMERIC:
            raise invalid
        i = 0
        while i < len(rest) and rest[i] in _DIGITS:
            i += 1
        whole_digits, rest = rest[:i], rest[i:]
        frac_digits = ""
        if rest.startswith("."):
            j = 1
            while j < len(rest) and rest[j] in _DIGITS:
                j += 1
            frac_digits, rest = rest[1:j], rest[j:]
        if not whole_digits and not frac_digits:
            raise invalid  # a lone "." as in ".s"
        k = 0
        while k < len(rest) and rest[k] not in _NUMERIC:
            k += 1
        if k == 0:
            raise ValueError(f"time: missing unit in duration {_quote(text)}")
        unit_name, rest = rest[:k], rest[k:]
        unit = _UNITS.get(unit_name)
        if unit is None:
            raise ValueError(f"time: unknown unit {_quote(unit_name)} in duration {_quote(text)}")
        whole = int(whole_digits) if whole_digits else 0
        if whole > _MAX_NS // unit:
            raise invalid
        value = whole * unit
        if frac_digits:
            # Go keeps at most ~18 fraction digits and multiplies in float64; so do we.
            kept = frac_digits[:18]
            value += int(int(kept) * (unit / 10 ** len(kept)))
        total += value
        if total > _MAX_NS:
            raise invalid
    if not negative and total > _MAX_NS - 1:
        raise invalid
    return -total / 1e9 if negative else total / 1e9


def seconds(value: object, field: str) -> float:
    """Non-negative seconds from a control request's JSON: a number of seconds, a string of
    seconds ("2"), or a Go duration ("250ms", "2s", "1h30m", "1d").

    Raises FieldError naming `field`, with Go's own message for a malformed duration.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if _PLAIN_SECONDS.fullmatch(text):
            result = float(text)
        else:
            try:
                result = parse_duration(text)
            except ValueError as exc:
                raise FieldError(field, str(exc)) from None
    else:
        raise FieldError(field, 'a number of seconds or a duration such as "2s" is required')
    if not 0 <= result < float("inf"):
        raise FieldError(field, "must not be negative" if result < 0 else "must be finite")
    return result
