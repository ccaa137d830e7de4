"""Fault rules for both emulators: parsed from control JSON, matched, counted down, listed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from emulator.durations import seconds
from emulator.errors import FieldError

JsonDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What one emulator's faults can do; the rule model and its parsing are shared.

    `target` is the emulator's own name for `match` (QStash: `url`, the destination; the mock:
    `path`, the request path), kept as a synonym. `kinds` maps each kind to what it does;
    `aliases` maps a kind to the kind it stands for, `by_status` a `status` fault's status to
    the kind whose canned answer it gets. `needs_delay` kinds refuse a rule without `delay`;
    `default_delay` is the delay of a kind's rule that gives none.
    """

    target: str
    kinds: Mapping[str, str]
    lowest_status: int
    aliases: Mapping[str, str] = field(default_factory=dict)
    by_status: Mapping[int, str] = field(default_factory=dict)
    needs_delay: frozenset[str] = frozenset()
    default_delay: Mapping[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Fault:
    """One rule: the next `remaining` requests whose target `match` selects meet `kind`."""

    match: str
    kind: str
    remaining: int
    status: int | None = None
    delay: float = 0.0
    retry_after: int | None = None

    def matches(self, target: str) -> bool:
        # A glob over the whole target when it has wildcards, else a substring, so both
        # "*/hook*" and "profile" work.
        if any(ch in self.match for ch in "*?["):
            return fnmatchcase(target, self.match)
        return self.match in target

    def to_json(self, spec: FaultSpec) -> JsonDict:
        # `count` (uses left, as POST takes it) and the target's own name are the older fields.
        return {
            "match": self.match,
            spec.target: self.match,
            "kind": self.kind,
            "count": self.remaining,
            "remaining": self.remaining,
            "status": self.status,
            "delay": self.delay,
            "retry_after": self.retry_after,
        }


def _integer(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FieldError(name, f"must be an integer of at least {minimum}")
    return value


def _match(body: JsonDict, spec: FaultSpec) -> str:
    # The error names the field the request used; with neither, the shared name.
    name = "match" if "match" in body or spec.target not in body else spec.target
    if "match" in body and spec.target in body and body["match"] != body[spec.target]:
        raise FieldError("match", f"match and {spec.target} differ; give one of them")
    if name not in body:
        raise FieldError(name, f"a glob or substring is required (or its older name {spec.target})")
    pattern = body[name]
    if not isinstance(pattern, str) or not pattern:
        raise FieldError(name, "must be a non-empty glob or substring")
    return pattern


def parse(body: Any, spec: FaultSpec) -> Fault:
    """A rule from the JSON of POST …/faults; FieldError names the first bad field."""
    if not isinstance(body, dict):
        raise FieldError("body", "must be a JSON object")
    pattern = _match(body, spec)
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in spec.kinds:
        raise FieldError("kind", f"must be one of {', '.join(spec.kinds)}")
    count = _integer(body.get("count", 1), "count", minimum=1)
    retry_after = body.get("retry_after")
    if retry_after is not None:
        retry_after = _integer(retry_after, "retry_after", minimum=0)
    status = None
    if kind == "status":
        status = body.get("status")
        if isinstance(status, bool) or not isinstance(status, int):
            raise FieldError("status", "an HTTP status is required")
        if not spec.lowest_status <= status <= 599:
            raise FieldError("status", f"must be from {spec.lowest_status} to 599")
        kind = spec.by_status.get(status, kind)
    kind = spec.aliases.get(kind, kind)
    if "delay" in body:
        delay = seconds(body["delay"], "delay")
    elif kind in spec.needs_delay:
        raise FieldError("delay", f'a {kind} fault needs a delay, such as "2s"')
    else:
        delay = spec.default_delay.get(kind, 0.0)
    return Fault(pattern, kind, count, status=status, delay=delay, retry_after=retry_after)


class FaultBook:
    """One emulator's armed rules; each request takes a use of the first rule that matches."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._faults: list[Fault] = []

    def add(self, body: Any) -> Fault:
        """Arm the rule `body` describes (POST …/faults JSON); FieldError when it is bad."""
        fault = parse(body, self.spec)
        self._faults.append(fault)
        return fault

    def take(self, target: str) -> Fault | None:
        """The first armed rule matching `target`, one use consumed; None when none matches."""
        if not self._faults:  # the usual case, on every delivery attempt and mock request
            return None
        for fault in self._faults:
            if fault.matches(target):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def rules(self) -> list[JsonDict]:
        return [fault.to_json(self.spec) for fault in self._faults]

    def clear(self) -> None:
        self._faults.clear()
