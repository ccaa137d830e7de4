"""Plan limits (`--quota`): each QStash plan's published numbers and the checks against them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from emulator.qstash.errors import ApiError, bad_request
from emulator.qstash.models import Endpoint, Template, UrlGroup

MB = 1 << 20
DAY = 86_400.0
HOUR = 3_600.0


@dataclass(frozen=True, slots=True)
class Plan:
    """One plan's limits (PARITY.md, plan limits, names each source).
    None: no limit."""

    name: str
    max_message_size: int  # bytes of the body
    max_delay: float | None  # seconds from now
    max_retries: int
    max_queues: int
    max_queue_parallelism: int
    max_schedules: int
    max_url_groups: int
    max_endpoints: int  # per URL group
    daily_messages: int | None
    max_response_duration: float  # seconds an attempt may take


PLANS = {
    "free": Plan("free", MB, 7 * DAY, 3, 10, 2, 10, 1, 100, 1_000, 15 * 60.0),
    "payg": Plan("payg", 10 * MB, 365 * DAY, 5, 100, 10, 1_000, 100, 100, None, 2 * HOUR),
    "pro": Plan("pro", 50 * MB, None, 5, 1_000, 10, 10_000, 1_000, 1_000, 1_000_000, 6 * HOUR),
}
QUOTA_CHOICES = (*PLANS, "none")


def plan_named(name: str) -> Plan | None:
    """The plan for a `--quota` value; None for `none` (nothing is limited)."""
    if name == "none":
        return None
    if name not in PLANS:
        raise ValueError(f"unknown quota {name!r}: choose one of {', '.join(QUOTA_CHOICES)}")
    return PLANS[name]


def plan_limit(message: str) -> ApiError:
    return ApiError(412, message)


def _duration(seconds: float) -> str:
    return f"{seconds / DAY:g}d" if seconds >= DAY else f"{seconds:g}s"


class Quota:
    """The chosen plan's checks, and the messages counted against its daily limit."""

    def __init__(self, plan: Plan | None) -> None:
        self.plan = plan
        self._day = -1  # the UTC day (days since the epoch) being counted
        self._count = 0

    # ---- messages ----------------------------------------------------------------------------

    def message(self, template: Template, body: bytes, now: float) -> Template:
        """Check one message against the plan; the template with retries capped at the plan's
        maximum (QStash retries at most that often: DOC features/retry)."""
        plan = self.plan
        if plan is None:
            return template
        if len(body) > plan.max_message_size:
            raise ApiError(
                413,
                f"message size {len(body)} bytes exceeds the {plan.name} plan's max message "
                f"size of {plan.max_message_size} bytes",
            )
        if plan.max_delay is not None:
            if template.not_before is not None:
                header, delay = "Upstash-Not-Before", template.not_before - now
            else:
                header, delay = "Upstash-Delay", template.delay
            if delay > plan.max_delay:
                raise bad_request(
                    f"invalid {header} header: the delay exceeds the {plan.name} plan's "
                    f"max delay of {_duration(plan.max_delay)}"
                )
        if template.retries > plan.max_retries:
            # The template may be shared by other publishes: change a copy.
            return dataclasses.replace(template, retries=plan.max_retries)
        return template

    def check_daily(self, now: float) -> None:
        """429 with the RateLimit-* headers (the SDKs' daily-limit error) once the day's
        messages are used up."""
        plan = self.plan
        if plan is None or plan.daily_messages is None:
            return
        self._roll(now)
        if self._count >= plan.daily_messages:
            reset = (self._day + 1) * int(DAY)
            raise ApiError(
                429,
                f"daily message limit of the {plan.name} plan reached: "
                f"{plan.daily_messages} messages per day",
                headers={
                    "RateLimit-Limit": str(plan.daily_messages),
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(reset),
                },
            )

    def count(self, messages: int, now: float) -> None:
        """Messages accepted now count against the day (a URL group's: one per endpoint)."""
        if self.plan is None or self.plan.daily_messages is None:
            return
        self._roll(now)
        self._count += messages

    def _roll(self, now: float) -> None:
        day = int(now // DAY)
        if day != self._day:
            self._day, self._count = day, 0

    # ---- resources ---------------------------------------------------------------------------

    def new_queue(self, existing: int) -> None:
        if self.plan is not None and existing >= self.plan.max_queues:
            raise plan_limit(
                f"queue limit reached: the {self.plan.name} plan allows "
                f"{self.plan.max_queues} queues"
            )

    def queue_parallelism(self, parallelism: int) -> None:
        if self.plan is not None and parallelism > self.plan.max_queue_parallelism:
            raise plan_limit(
                f"parallelism: the {self.plan.name} plan allows at most "
                f"{self.plan.max_queue_parallelism} per queue"
            )

    def new_schedule(self, existing: int) -> None:
        if self.plan is not None and existing >= self.plan.max_schedules:
            raise plan_limit(
                f"schedule limit reached: the {self.plan.name} plan allows "
                f"{self.plan.max_schedules} schedules"
            )

    def endpoints(self, groups: dict[str, UrlGroup], name: str, endpoints: list[Endpoint]) -> None:
        """Would adding these endpoints to group `name` go beyond the plan?"""
        plan = self.plan
        if plan is None:
            return
        group = groups.get(name)
        if group is None and len(groups) >= plan.max_url_groups:
            raise plan_limit(
                f"url group limit reached: the {plan.name} plan allows "
                f"{plan.max_url_groups} url groups"
            )
        present = [] if group is None else list(group.endpoints)
        for endpoint in endpoints:
            # The same identity rule as the upsert: a known url or name updates in place.
            if not any(
                e.url == endpoint.url or (endpoint.name and e.name == endpoint.name)
                for e in present
            ):
                present.append(endpoint)
        if len(present) > plan.max_endpoints:
            raise plan_limit(
                f"endpoints: the {plan.name} plan allows {plan.max_endpoints} endpoints "
                "per url group"
            )
