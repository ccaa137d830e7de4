"""Parsing dynamic-config values: durations, numbers, booleans."""

from __future__ import annotations

import pytest

from service.config_values import ValueType, as_text, parse_duration, parse_value


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
    ],
)
def test_durations_become_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "s", "-1s", "1s junk", "1.5.2s"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value_type", "text", "expected"),
    [
        (ValueType.NUMBER, "5", 5),
        (ValueType.NUMBER, " 1000 ", 1000),
        (ValueType.BOOLEAN, "TRUE", True),
        (ValueType.BOOLEAN, "false", False),
        (ValueType.STRING, "anything", "anything"),
    ],
)
def test_typed_values_parse(value_type: ValueType, text: str, expected: object) -> None:
    assert parse_value(value_type, text) == expected


@pytest.mark.parametrize(
    ("value_type", "text"),
    [(ValueType.NUMBER, "-1"), (ValueType.NUMBER, "1.5"), (ValueType.BOOLEAN, "yes")],
)
def test_bad_typed_values_are_refused(value_type: ValueType, text: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_value(value_type, text)


def test_json_values_become_stored_text() -> None:
    assert [as_text(v) for v in (True, 7, "30m")] == ["true", "7", "30m"]
    with pytest.raises(ValueError, match="got float"):
        as_text(1.5)
