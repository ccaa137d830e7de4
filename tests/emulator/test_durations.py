"""Durations in the emulators: Go's grammar, and seconds in control requests."""

from __future__ import annotations

import pytest

from emulator.durations import parse_duration, seconds
from emulator.errors import FieldError


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, 2.0),
        (0.25, 0.25),
        (0, 0.0),
        ("2", 2.0),  # plain seconds, as the mock's fault delays always took them
        (" 1.5 ", 1.5),
        ("250ms", 0.25),
        ("1h30m", 5400.0),
        ("7d", 604800.0),
    ],
)
def test_control_seconds_take_numbers_and_durations(value: object, expected: float) -> None:
    assert seconds(value, "delay") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5x", 'limit: time: unknown unit "x" in duration "5x"'),
        ("soon", 'limit: time: invalid duration "soon"'),
        ("-2s", "limit: must not be negative"),
        (-1, "limit: must not be negative"),
        (float("inf"), "limit: must be finite"),
        (float("nan"), "limit: must be finite"),
        (True, 'limit: a number of seconds or a duration such as "2s" is required'),
        (None, 'limit: a number of seconds or a duration such as "2s" is required'),
    ],
)
def test_bad_control_seconds_name_the_field(value: object, message: str) -> None:
    with pytest.raises(FieldError) as caught:
        seconds(value, "limit")
    assert (caught.value.field, str(caught.value)) == ("limit", message)
