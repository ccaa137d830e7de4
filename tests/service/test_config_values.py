"""Dynamic-config values: parsing and showing durations and numbers, and each key's range."""

from __future__ import annotations

import re

import pytest

from service.config import defaults as config_defaults
from service.config.defaults import KNOWN_KEYS, ORDERED_PAIRS
from service.config.values import (
    DURATION_PATTERN,
    DurationKey,
    NumberKey,
    as_text,
    format_duration,
    parse_duration,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2s", 2),
        ("500ms", 0.5),
        ("60m", 3600),
        ("24h", 86400),
        ("1d", 86400),
        ("1h30m", 5400),
        ("300s", 300),
        (" 5 s ", 5),
        ("1h 30m", 5400),
        ("1.5 h", 5400),
    ],
)
def test_durations_become_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


MALFORMED = ["", "5", "5x", "s", "-1s", "1s junk", "1.5.2s", "1 0s", "5m s", "2s\n", "٣s"]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", [*MALFORMED, "2s", " 5 s ", "1h 30m", "1d1h1m1s250ms"])
def test_the_openapi_pattern_accepts_what_the_parser_does(text: str) -> None:
    # The document's pattern is the parser's; "5m s" once parsed as 5 ms though the
    # document refused it.
    try:
        parse_duration(text)
        parsed = True
    except ValueError:
        parsed = False
    assert (re.fullmatch(DURATION_PATTERN, text) is not None) == parsed


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.5, "500ms"),
        (90, "1m30s"),
        (3600, "1h"),
        (604800, "7d"),
        (90061.25, "1d1h1m1s250ms"),
    ],
)
def test_durations_are_shown_in_the_fewest_units(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "value"), [("5", 5), (" 1000 ", 1000), ("007", 7)])
def test_numbers_parse(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["-1", "1.5", "", "²", "1e3"])
def test_bad_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a non-negative integer"):
        parse_number(text)


def test_json_values_become_stored_text() -> None:
    assert [as_text(v) for v in (7, "30m")] == ["7", "30m"]
    for bad in (1.5, True, None, [1]):
        with pytest.raises(ValueError, match="expected a string or an integer"):
            as_text(bad)


def test_a_key_checks_its_range() -> None:
    key = DurationKey("timeouts.sample", "1h", "1m", "7d", "a sample")

    assert (key.check("1m"), key.check("7d")) == (60.0, 604800.0)
    with pytest.raises(ValueError, match=r"^must be between 1m and 7d, got 59s$"):
        key.check("59s")
    with pytest.raises(ValueError, match=r"^must be between 1m and 7d, got 7d1s$"):
        key.check("7d1s")


def test_a_key_with_a_default_outside_its_range_fails_at_definition() -> None:
    with pytest.raises(ValueError, match="must be between 1 and 10, got 11"):
        NumberKey("limits.sample", "11", "1", "10", "a sample")
    with pytest.raises(ValueError, match="bad range"):
        NumberKey("limits.sample", "5", "10", "1", "a sample")


def test_every_registered_key_is_named_after_its_constant() -> None:
    # `TIMEOUTS.standard_job_timeout` is the key "timeouts.standard_job_timeout".
    for name, key in KNOWN_KEYS.items():
        namespace = getattr(config_defaults, key.category.upper())
        assert (key.name, getattr(namespace, key.key)) == (name, key)


def test_the_defaults_keep_ordered_pairs_in_order() -> None:
    for low, high in ORDERED_PAIRS:
        assert low.default_value <= high.default_value
        assert KNOWN_KEYS[low.name] is low
        assert KNOWN_KEYS[high.name] is high


def test_qstash_delays_stay_within_what_every_qstash_plan_accepts() -> None:
    seven_days = 7 * 86400
    delays = [key for name, key in KNOWN_KEYS.items() if name.startswith("qstash_delays.")]

    assert delays
    assert all(key.high_value <= seven_days for key in delays)
