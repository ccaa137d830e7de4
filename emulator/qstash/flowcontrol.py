"""Flow control: per-key parallelism and rate limits, a wait list, pause, pin and reset."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from emulator.qstash.errors import bad_request, not_found
from emulator.qstash.models import FlowControl, JsonDict, Message


@dataclass(slots=True, eq=False)
class FlowKey:
    """One key's limits (the most permissive of its messages', or pinned) and live counters."""

    key: str
    parallelism: int | None = None
    rate: int | None = None
    period: int = 1
    pinned_parallelism: int | None = None
    pinned_rate: int | None = None
    pinned_period: int | None = None
    paused: bool = False
    active: int = 0
    window_start: float = 0.0
    window_count: int = 0
    waiting: deque[Message] = field(default_factory=deque)
    # held back by the rate until a new window (they wait in the due-queue, timed)
    deferred: dict[str, Message] = field(default_factory=dict)
    # (parallelism, rate, period) of each message with this key that is not yet settled
    configs: Counter[tuple[int | None, int | None, int]] = field(default_factory=Counter)

    def coexisting(self) -> None:
        """QStash lets the most permissive of the coexisting messages' settings win: the
        highest parallelism, the rate with the most activations per second. A setting none of
        them gives is not limited. With no message left the last settings stay on show."""
        if not self.configs:
            return
        parallelisms = [p for p, _, _ in self.configs if p is not None]
        rates = [(r, period) for _, r, period in self.configs if r is not None]
        self.parallelism = max(parallelisms) if parallelisms else None
        if rates:
            self.rate, self.period = max(rates, key=lambda pair: pair[0] / pair[1])
        else:
            self.rate, self.period = None, 1

    def settings(self) -> JsonDict:
        """What an operator set (pause, pins); persisted, unlike the live counters."""
        return {
            "paused": self.paused,
            "pinned_parallelism": self.pinned_parallelism,
            "pinned_rate": self.pinned_rate,
            "pinned_period": self.pinned_period,
        }

    def restore(self, settings: JsonDict) -> None:
        """Put back settings taken with `settings()` (a refused change is undone)."""
        self.paused = settings["paused"]
        self.pinned_parallelism = settings["pinned_parallelism"]
        self.pinned_rate = settings["pinned_rate"]
        self.pinned_period = settings["pinned_period"]

    def limits(self) -> tuple[int | None, int | None, int]:
        parallelism = self.pinned_parallelism or self.parallelism
        rate = self.pinned_rate or self.rate
        return parallelism, rate, self.pinned_period or self.period

    def to_json(self) -> JsonDict:
        parallelism, rate, period = self.limits()
        return {
            "flowControlKey": self.key,
            "waitListSize": len(self.waiting) + len(self.deferred),
            "parallelismMax": parallelism or 0,
            "parallelismCount": self.active,
            "rateMax": rate or 0,
            "rateCount": self.window_count,
            "ratePeriod": period,
            "ratePeriodStart": int(self.window_start),
            "isPaused": self.paused,
            "isPinnedParallelism": self.pinned_parallelism is not None,
            "isPinnedRate": self.pinned_rate is not None,
        }


class FlowControls:
    """Decides whether a due message may start now, later (rate), or when a slot frees."""

    def __init__(self) -> None:
        self.keys: dict[str, FlowKey] = {}

    def clear(self) -> None:
        self.keys.clear()

    def restore(self, settings: dict[str, JsonDict]) -> None:
        for key, values in settings.items():
            self.keys[key] = FlowKey(key, **values)

    def get(self, key: str) -> FlowKey:
        found = self.keys.get(key)
        if found is None:
            raise not_found(f"flow control key {key} not found")
        return found

    @staticmethod
    def _settings(config: FlowControl) -> tuple[int | None, int | None, int]:
        return config.parallelism, config.rate, config.period or 1

    def register(self, message: Message, now: float) -> list[Message]:
        """A message with a flow-control key now exists: its settings join the key's. Returns
        the waiting messages that more permissive settings let go."""
        config = message.flow_control
        if config is None:
            return []
        flow = self.keys.get(config.key)
        if flow is None:
            flow = self.keys[config.key] = FlowKey(config.key, window_start=now)
        before = flow.limits()
        flow.configs[self._settings(config)] += 1
        flow.coexisting()
        return self._ready(flow, rate_changed=True) if flow.limits() != before else []

    def unregister(self, message: Message) -> None:
        """The message is settled or cancelled: its settings no longer count."""
        config = message.flow_control
        flow = None if config is None else self.keys.get(config.key)
        if config is None or flow is None:
            return
        settings = self._settings(config)
        flow.configs[settings] -= 1
        if flow.configs[settings] <= 0:
            del flow.configs[settings]
        flow.coexisting()

    def admit(self, message: Message, config: FlowControl, now: float) -> bool | float:
        """True: start now (a slot is taken). False: parked on the wait list until a slot
        frees. A float: the rate is used up; try again at that time."""
        flow = self.keys.get(config.key)
        if flow is None:
            flow = self.keys[config.key] = FlowKey(config.key, window_start=now)
        if not flow.configs:  # not registered (a key cleared meanwhile): its own settings
            flow.parallelism, flow.rate, flow.period = self._settings(config)
        flow.deferred.pop(message.id, None)
        parallelism, rate, period = flow.limits()
        if flow.paused or (parallelism is not None and flow.active >= parallelism):
            flow.waiting.append(message)
            return False
        if rate is not None:
            if now - flow.window_start >= period:
                flow.window_start, flow.window_count = now, 0
            if flow.window_count >= rate:
                flow.deferred[message.id] = message
                return flow.window_start + period
            flow.window_count += 1
        flow.active += 1
        return True

    def release(self, message: Message) -> list[Message]:
        """A started attempt ended: free its slot; return the waiting messages that may go."""
        config = message.flow_control
        flow = None if config is None else self.keys.get(config.key)
        if flow is None:
            return []
        flow.active -= 1
        return self._ready(flow)

    def _ready(self, flow: FlowKey, *, rate_changed: bool = False) -> list[Message]:
        """Waiting messages a free slot lets go; with `rate_changed`, also those the old rate
        held back (admission checks them again, so they may be held back anew)."""
        parallelism, _, _ = flow.limits()
        free = len(flow.waiting) if parallelism is None else parallelism - flow.active
        ready: list[Message] = []
        while flow.waiting and not flow.paused and len(ready) < free:
            message = flow.waiting.popleft()
            if not message.cancelled:
                ready.append(message)
        if rate_changed and not flow.paused:
            ready += [m for m in flow.deferred.values() if not m.cancelled]
            flow.deferred.clear()
        return ready

    def set_paused(self, key: str, paused: bool) -> list[Message]:
        flow = self.get(key)
        flow.paused = paused
        return [] if paused else self._ready(flow, rate_changed=True)

    def pin(
        self, key: str, parallelism: int | None, rate: int | None, period: int | None
    ) -> list[Message]:
        flow = self.get(key)
        for name, value in (("parallelism", parallelism), ("rate", rate), ("period", period)):
            if value is not None and value < 1:
                raise bad_request(f"{name}: must be at least 1")
        flow.pinned_parallelism = parallelism or flow.pinned_parallelism
        flow.pinned_rate = rate or flow.pinned_rate
        flow.pinned_period = period or flow.pinned_period
        return self._ready(flow, rate_changed=True)

    def unpin(self, key: str, parallelism: bool, rate: bool) -> list[Message]:
        flow = self.get(key)
        if parallelism:
            flow.pinned_parallelism = None
        if rate:
            flow.pinned_rate = flow.pinned_period = None
        return self._ready(flow, rate_changed=True)

    def reset_rate(self, key: str, now: float) -> list[Message]:
        flow = self.get(key)
        flow.window_start, flow.window_count = now, 0
        return self._ready(flow, rate_changed=True)
