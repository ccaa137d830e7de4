"""Parse Go-style durations and the retry-wait response headers QStash honours."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

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
_ONE_DAY = 86_400.0


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


def parse_retry_after(value: str, *, now: float) -> float | None:
    """Seconds to wait from `now` as a destination's `Retry-After`/`X-RateLimit-Reset*` asks.

    Accepts integer seconds, an RFC 1123 date or a Go duration (QStash docs on the Retry-After
    family of headers). `0` means retry at once; a date in the past also means at once. None
    when the value is unparsable, negative, or further than one day away: the caller then falls
    back to its default backoff.
    """
    text = value.strip()
    if not text:
        return None
    seconds: float | None
    if text.isascii() and text.isdigit():
        seconds = float(int(text))
    else:
        try:
            seconds = parse_duration(text)
        except ValueError:
            seconds = _seconds_until_date(text, now)
    if seconds is None or seconds < 0 or seconds > _ONE_DAY:
        return None
    return seconds


def _seconds_until_date(text: str, now: float) -> float | None:
    try:
        when: datetime = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" parses as naive; HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
