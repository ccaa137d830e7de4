"""Typed dynamic-config keys: a key's value type, default and allowed range, and its parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Generic, TypeVar

# The service's one duration grammar (the emulators keep theirs in emulator/durations.py; the
# service imports nothing from them): parts such as `1h` or `500ms`, spaces allowed around
# them. ASCII digits only (`\d` would take any script's digits). The parser and the OpenAPI
# document's pattern are both built from it, so they accept the same texts.
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}  # ms before m
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_UNITS = "|".join(_UNIT_SECONDS)
DURATION_PATTERN = rf"^ *(?:{_NUMBER} *(?:{_UNITS}) *)+$"
_DURATION = re.compile(DURATION_PATTERN)
_DURATION_PART = re.compile(rf"({_NUMBER}) *({_UNITS})")
_DIGITS = re.compile(r"[0-9]+")
_SHOWN_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
# An echoed bad value is cut to this length: the 400 must stay a one-line message.
_ECHO_LIMIT = 40
# Larger than any key's upper bound (see ConfigKey.__post_init__).
HUGE = 10**20

T = TypeVar("T", int, float)


class ValueType(StrEnum):
    NUMBER = "number"
    DURATION = "duration"


def parse_duration(text: str) -> float:
    """`500ms`, `2s`, `60m`, `24h`, `1d`, or compounds like `1h30m` → seconds.

    Spaces may surround a part or separate its number from its unit (`1h 30m`, `5 s`), never
    split a number or a unit: `5m s` is refused rather than read as 5 ms.
    """
    if not _DURATION.fullmatch(text):
        raise ValueError(f"expected a duration like 2s, 500ms, 60m or 24h, got {echo(text)!r}")
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(text))


def format_duration(seconds: float) -> str:
    """The shortest text `parse_duration` reads back as `seconds`: 604800 → `7d`, 90 → `1m30s`."""
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    whole, rest = divmod(millis, 1000)
    parts = []
    for unit, size in _SHOWN_UNITS:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    if rest:
        parts.append(f"{rest}ms")
    return "".join(parts)


def parse_number(text: str) -> int:
    """Non-negative integers, as the original config service accepted."""
    stripped = text.strip(" ")
    if not _DIGITS.fullmatch(stripped):
        raise ValueError(f"expected a non-negative integer, got {echo(text)!r}")
    digits = stripped.lstrip("0") or "0"
    # int() refuses over 4300 digits: anything past HUGE is out of every key's range anyway.
    return int(digits) if len(digits) < len(str(HUGE)) else HUGE


def as_text(value: object) -> str:
    """The stored text of a value given as JSON (a string, or an integer for number keys)."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise ValueError(f"expected a string or an integer, got {type(value).__name__}")


def echo(text: str) -> str:
    """A value as an error message shows it: trimmed, and cut short when long."""
    text = text.strip()
    return text if len(text) <= _ECHO_LIMIT else text[:_ECHO_LIMIT] + "…"


@dataclass(frozen=True, slots=True)
class ConfigKey(Generic[T]):
    """One setting: `name` is `<category>.<key>`; `default`, `low` and `high` are stored text.

    A stored or submitted value is valid when it parses and lies within `low..high`.
    """

    value_type: ClassVar[ValueType]

    name: str
    default: str
    low: str
    high: str
    description: str
    default_value: T = field(init=False)
    low_value: T = field(init=False)
    high_value: T = field(init=False)

    def __post_init__(self) -> None:
        # Bad bounds are a programming error: they fail at import, not on a request.
        for attribute, text in (("low", self.low), ("high", self.high)):
            object.__setattr__(self, f"{attribute}_value", self.parse(text))
        if not 0 <= self.low_value <= self.high_value < HUGE:
            raise ValueError(f"{self.name}: bad range {self.low}..{self.high}")
        object.__setattr__(self, "default_value", self.check(self.default))

    @property
    def category(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1]

    def parse(self, text: str) -> T:
        raise NotImplementedError

    def show(self, value: T) -> str:
        raise NotImplementedError

    def check(self, text: str) -> T:
        """The value of `text`; ValueError (naming no key) when malformed or out of range."""
        value = self.parse(text)
        if not self.low_value <= value <= self.high_value:
            raise ValueError(f"must be between {self.low} and {self.high}, got {echo(text)}")
        return value


@dataclass(frozen=True, slots=True)
class NumberKey(ConfigKey[int]):
    value_type = ValueType.NUMBER

    def parse(self, text: str) -> int:
        return parse_number(text)

    def show(self, value: int) -> str:
        return str(value)


@dataclass(frozen=True, slots=True)
class DurationKey(ConfigKey[float]):
    """A duration, read in seconds."""

    value_type = ValueType.DURATION

    def parse(self, text: str) -> float:
        return parse_duration(text)

    def show(self, value: float) -> str:
        return format_duration(value)
