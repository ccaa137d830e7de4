"""Typed dynamic-config values: parse and validate numbers, durations, booleans and strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

ConfigValue = int | float | bool | str


class ValueType(StrEnum):
    NUMBER = "number"
    DURATION = "duration"
    BOOLEAN = "boolean"
    STRING = "string"


def parse_duration(text: str) -> float:
    """`500ms`, `2s`, `60m`, `24h`, `1d`, or compounds like `1h30m` → seconds."""
    compact = text.strip().replace(" ", "")
    if not compact or _DURATION_PART.sub("", compact):
        raise ValueError(f"expected a duration like 2s, 500ms, 60m or 24h, got {text!r}")
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(compact))


def parse_number(text: str) -> int:
    """Non-negative integers, as the original config service accepted."""
    stripped = text.strip()
    if not stripped.isdigit():
        raise ValueError(f"expected a non-negative integer, got {text!r}")
    return int(stripped)


def parse_boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in {"true", "false"}:
        raise ValueError(f"expected true or false, got {text!r}")
    return lowered == "true"


def parse_value(value_type: ValueType, text: str) -> ConfigValue:
    if value_type is ValueType.NUMBER:
        return parse_number(text)
    if value_type is ValueType.DURATION:
        return parse_duration(text)
    if value_type is ValueType.BOOLEAN:
        return parse_boolean(text)
    return text


def as_text(value: object) -> str:
    """The stored text of a value given as JSON (numbers and booleans allowed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    raise ValueError(f"expected a string, integer or boolean, got {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """One known setting: `name` is `<category>.<key>`, `default` its stored text."""

    name: str
    value_type: ValueType
    default: str
    description: str

    @property
    def category(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1]
