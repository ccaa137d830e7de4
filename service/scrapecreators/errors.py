"""The two ways a ScrapeCreators call fails: worth retrying later, or fatal for the job."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from service.scrapecreators.models import error_text

OUT_OF_CREDITS = "ScrapeCreators: out of credits"
KEY_REJECTED = "ScrapeCreators: API key rejected"


class ScrapeCreatorsError(Exception):
    """A failed call; `message` is what a user sees on the job."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RetryableError(ScrapeCreatorsError):
    """429, 5xx, timeouts, connection errors: the same step may succeed later."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Throttled(RetryableError):
    """Not sent: a 429 paused every call of this process, for `retry_after` more seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            "ScrapeCreators: rate limited (calls paused for "
            f"{math.ceil(retry_after)}s after a 429)",
            status=429,
            retry_after=retry_after,
        )


class FatalError(ScrapeCreatorsError):
    """402, 401, 400 and other refusals: retrying cannot help, the job fails."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def classify(
    status: int, body: bytes, *, endpoint: str, retry_after: float | None
) -> ScrapeCreatorsError:
    """The error for a non-2xx answer: the vendor's own words where they help a user."""
    reason = error_text(body) or f"HTTP {status}"
    if status == 429:
        return RetryableError(
            f"ScrapeCreators: rate limited on {endpoint}", status=status, retry_after=retry_after
        )
    if status >= 500:
        return RetryableError(
            f"ScrapeCreators: {endpoint} answered {status}: {reason}", status=status
        )
    if status == 402:
        # The real 402 body is the whole explanation; keep it after our own summary.
        return FatalError(f"{OUT_OF_CREDITS} ({reason})", status=status)
    if status == 401:
        return FatalError(KEY_REJECTED, status=status)
    if status == 400:
        return FatalError(f"ScrapeCreators: {reason}", status=status)
    return FatalError(f"ScrapeCreators: {endpoint} answered {status}: {reason}", status=status)
