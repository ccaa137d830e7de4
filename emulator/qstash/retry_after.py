"""Parse the retry-wait response headers QStash honours (`Retry-After`, `X-RateLimit-Reset*`)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from emulator.durations import parse_duration

_ONE_DAY = 86_400.0


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
