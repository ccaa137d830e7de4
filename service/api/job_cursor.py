"""The opaque `nextCursor` of GET /api/jobs: where the next page starts, as 48 hex digits.

Fixed-width hex rather than base64 of JSON: the document's pattern then describes exactly the
cursors the API accepts (anything matching it decodes), so a client or a fuzzer that keeps to
the pattern never meets a 400 it could not have foreseen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from service.store.job_pages import JobKey

CURSOR_PATTERN = r"^[0-9a-f]{48}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)
_MICROS_DIGITS = 16


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def encode_cursor(key: JobKey) -> str:
    return f"{_micros(key.created_at):0{_MICROS_DIGITS}x}{key.id.hex}"


def decode_cursor(cursor: str) -> JobKey:
    """The key a cursor holds (the caller has checked CURSOR_PATTERN). A time past the last
    representable one means "after everything": it is read as that last moment."""
    micros = int(cursor[:_MICROS_DIGITS], 16)
    try:
        created_at = _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        created_at = _LAST
    return JobKey(created_at, UUID(hex=cursor[_MICROS_DIGITS:]))
