"""Fault injection: the next N deliveries to matching URLs time out, fail, repeat, wait or lie."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from emulator.qstash.durations import parse_duration
from emulator.qstash.errors import bad_request
from emulator.qstash.models import JsonDict

KINDS = ("timeout", "status", "duplicate", "delay", "corrupt_signature")


@dataclass(slots=True)
class Fault:
    url: str
    kind: str
    remaining: int
    status: int = 0
    delay: float = 0.0

    def matches(self, url: str) -> bool:
        # A pattern with glob characters is a glob over the whole URL; otherwise a substring.
        if any(ch in self.url for ch in "*?["):
            return fnmatch.fnmatchcase(url, self.url)
        return self.url in url

    def to_json(self) -> JsonDict:
        out: JsonDict = {"url": self.url, "kind": self.kind, "count": self.remaining}
        if self.kind == "status":
            out["status"] = self.status
        if self.kind == "delay":
            out["delay"] = self.delay
        return out


def parse_fault(data: Any) -> Fault:
    if not isinstance(data, dict):
        raise bad_request("fault must be a JSON object")
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise bad_request("url: a non-empty URL pattern is required")
    kind = data.get("kind")
    if kind not in KINDS:
        raise bad_request(f"kind: must be one of {', '.join(KINDS)}")
    count = data.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise bad_request("count: must be a positive integer")
    fault = Fault(url=url, kind=kind, remaining=count)
    if kind == "status":
        status = data.get("status")
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise bad_request("status: an HTTP status between 100 and 599 is required")
        fault.status = status
    if kind == "delay":
        delay = data.get("delay")
        if isinstance(delay, int | float) and not isinstance(delay, bool) and delay >= 0:
            fault.delay = float(delay)
        elif isinstance(delay, str):
            try:
                fault.delay = parse_duration(delay)
            except ValueError as exc:
                raise bad_request(f"delay: {exc}") from None
        else:
            raise bad_request('delay: a duration such as "2s" is required')
    return fault


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, url: str) -> Fault | None:
        """The first armed fault matching url, consuming one of its uses."""
        if not self._faults:
            return None
        for fault in self._faults:
            if fault.matches(url):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def list(self) -> list[JsonDict]:
        return [fault.to_json() for fault in self._faults]

    def clear(self) -> None:
        self._faults.clear()
