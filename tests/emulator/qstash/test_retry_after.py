"""The Retry-After family of headers: seconds, Go durations and HTTP dates, within a day."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from emulator.qstash.retry_after import parse_retry_after

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("86400", 86400.0),
        ("6m5s", 365.0),
        ("1.5s", 1.5),
        ("500ms", 0.5),
    ],
)
def test_retry_after_seconds_and_durations(value: str, seconds: float) -> None:
    assert parse_retry_after(value, now=NOW) == pytest.approx(seconds)


def test_retry_after_http_date_counts_from_now() -> None:
    assert parse_retry_after(formatdate(NOW + 90, usegmt=True), now=NOW) == pytest.approx(90.0)
    assert parse_retry_after(formatdate(NOW + 90), now=NOW) == pytest.approx(90.0)


def test_retry_after_date_in_the_past_means_now() -> None:
    assert parse_retry_after(formatdate(NOW - 30, usegmt=True), now=NOW) == 0.0


@pytest.mark.parametrize(
    "value",
    ["", "soon", "86401", "25h", "2d", "-5", "-5s", "1.5", "Thu, 31 Feb 2030 99:00:00 GMT"],
)
def test_retry_after_unusable_or_beyond_a_day_is_none(value: str) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_retry_after_date_beyond_a_day_is_none() -> None:
    assert parse_retry_after(formatdate(NOW + 2 * 86400, usegmt=True), now=NOW) is None
