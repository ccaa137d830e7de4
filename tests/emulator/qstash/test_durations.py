"""Go duration parsing and the Retry-After family of headers."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from emulator.qstash.durations import parse_duration, parse_retry_after


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("-0", 0.0),
        ("1s", 1.0),
        ("+5s", 5.0),
        ("-1.5m", -90.0),
        ("300ms", 0.3),
        ("1.5s", 1.5),
        (".5s", 0.5),
        ("1.s", 1.0),
        ("1h30m", 5400.0),
        ("1h30m3s", 5403.0),
        ("1d", 86400.0),
        ("1d10h30m", 124200.0),
        ("7d", 604800.0),
        ("10us", 0.00001),
        ("10µs", 0.00001),
        ("10μs", 0.00001),
        ("250ns", 0.00000025),
        ("1m0.5s", 60.5),
        ("0h0m1s", 1.0),
    ],
)
def test_parses_go_durations_with_days(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1", 'time: missing unit in duration "1"'),
        ("10m5", 'time: missing unit in duration "10m5"'),
        ("abc", 'time: invalid duration "abc"'),
        ("", 'time: invalid duration ""'),
        ("-", 'time: invalid duration "-"'),
        (".s", 'time: invalid duration ".s"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        ("1 s", 'time: unknown unit " s" in duration "1 s"'),
        ("5S", 'time: unknown unit "S" in duration "5S"'),
        ('1"q', 'time: unknown unit "\\"q" in duration "1\\"q"'),
        ("9999999999999999999999h", 'time: invalid duration "9999999999999999999999h"'),
        ("200000d", 'time: invalid duration "200000d"'),
    ],
)
def test_rejects_bad_durations_with_gos_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^time: ") as caught:
        parse_duration(text)
    assert str(caught.value) == message


def test_largest_go_duration_is_accepted_one_more_nanosecond_is_not() -> None:
    assert parse_duration("9223372036854775807ns") == pytest.approx(9223372036.854776)
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration("9223372036854775808ns")
    assert parse_duration("-9223372036854775808ns") == pytest.approx(-9223372036.854776)


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
