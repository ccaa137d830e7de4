"""Five-field cron expressions with an optional `CRON_TZ=` zone: parsing and next firing time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Own matcher rather than croniter: we need Go (robfig/cron) semantics at DST changes, which
# croniter does not offer: wall times in a spring-forward gap are skipped, and in a fall-back
# overlap only jobs whose hour field is `*` fire in both passes.

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # Feb 29 exists in leap years
_SEARCH_DAYS = 366 * 9  # Feb 29 in a given weekday/set recurs within 8 years
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Zulu"})
# No zone moves its clock by more than this at once, so any wall time of a later instant
# lies after wall(ts) - _SLACK, and any earlier instant within _SLACK of a later wall time.
_SLACK = timedelta(hours=3)


class CronError(ValueError):
    """A cron expression that cannot be parsed or never fires."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS, 1),
    # 7 is accepted as Sunday, as most crons do; it is folded to 0 below.
    _Field("day-of-week", 0, 7, _DAYS, 0),
)


def _value(spec: _Field, text: str) -> int:
    upper = text.upper()
    if upper in spec.names:
        return spec.names.index(upper) + spec.name_base
    if not text.isascii() or not text.isdigit():
        raise CronError(f'invalid {spec.name} field: "{text}" is not a number')
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise CronError(f"invalid {spec.name} field: {value} is outside {spec.low}-{spec.high}")
    return value


def _parse_field(spec: _Field, text: str) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it is a bare `*` (robfig's "star bit")."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        range_text, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isascii() or not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f'invalid {spec.name} field: bad step "{step_text}"')
            step = int(step_text)
        if range_text in ("*", "?"):
            low, high = spec.low, spec.high
            star = star or step == 1
        elif "-" in range_text:
            low_text, _, high_text = range_text.partition("-")
            low, high = _value(spec, low_text), _value(spec, high_text)
            if low > high:
                raise CronError(f'invalid {spec.name} field: range "{range_text}" runs backwards')
        else:
            low = _value(spec, range_text)
            high = spec.high if slash else low  # "N/step" means "N-max/step"
        values.update(range(low, high + 1, step))
    if spec.name == "day-of-week" and 7 in values:
        values.discard(7)
        values.add(0)
    return frozenset(values), star


def _zone(name: str) -> tzinfo:
    if name in _UTC_ZONES:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f'unknown time zone "{name}" in CRON_TZ') from None


@dataclass(frozen=True, slots=True)
class Cron:
    expression: str
    zone: tzinfo
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_hour: bool
    # Day matching as in Vixie cron and robfig: if either day field is `*`, both must match;
    # otherwise either may.
    days_restricted_both: bool

    @classmethod
    def parse(cls, expr: str) -> Cron:
        words = expr.split()
        zone: tzinfo = UTC
        if words and words[0].startswith(("CRON_TZ=", "TZ=")):
            zone = _zone(words[0].partition("=")[2])
            fields = words[1:]
        else:
            fields = words
        if len(fields) != 5:
            raise CronError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
        parsed = [_parse_field(spec, text) for spec, text in zip(_FIELDS, fields, strict=True)]
        (minutes, _), (hours, any_hour), (days, dom_star), (months, _), (weekdays, dow_star) = (
            parsed
        )
        both = not dom_star and not dow_star
        if not both and not any(d <= _DAYS_IN_MONTH[m - 1] for m in months for d in days):
            raise CronError(f'"{expr.strip()}" never fires: no chosen month has the chosen days')
        return cls(
            " ".join(words),
            zone,
            tuple(sorted(minutes)),
            tuple(sorted(hours)),
            days,
            months,
            weekdays,
            any_hour,
            both,
        )

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_days = day.day in self.days
        in_weekdays = (day.isoweekday() % 7) in self.weekdays
        return (in_days or in_weekdays) if self.days_restricted_both else (in_days and in_weekdays)

    def _walls(self, start: datetime) -> Iterator[datetime]:
        """Matching naive wall times at or after `start` (whole minutes), in order."""
        day = start.date()
        for offset in range(_SEARCH_DAYS):
            if offset:
                day = start.date() + timedelta(days=offset)
            if not self._day_matches(day):
                continue
            first_day = offset == 0
            for hour in self.hours:
                if first_day and hour < start.hour:
                    continue
                first_hour = first_day and hour == start.hour
                for minute in self.minutes:
                    if first_hour and minute < start.minute:
                        continue
                    yield datetime(day.year, day.month, day.day, hour, minute)

    def _instants(self, wall: datetime) -> list[float]:
        """Unix times at which the zone's clock shows `wall`: none in a gap, two in an overlap."""
        early = wall.replace(tzinfo=self.zone, fold=0).timestamp()
        late = wall.replace(tzinfo=self.zone, fold=1).timestamp()
        if early == late:
            return [early]
        if datetime.fromtimestamp(early, self.zone).replace(tzinfo=None) != wall:
            return []  # spring-forward gap: this wall time never happens
        return [early, late] if self.any_hour else [early]

    def next_after(self, ts: float) -> float:
        """The next firing strictly after unix time `ts`, in unix seconds."""
        if self.zone is UTC:
            start = datetime.fromtimestamp(ts, UTC).replace(tzinfo=None, second=0, microsecond=0)
            wall = next(self._walls(start + timedelta(minutes=1)), None)
            if wall is None:
                raise self._never()
            return wall.replace(tzinfo=UTC).timestamp()
        local = datetime.fromtimestamp(ts, self.zone).replace(tzinfo=None, second=0, microsecond=0)
        # Around a DST change wall-time order differs from real-time order, so look a little
        # back and ahead of the first hit and keep the earliest instant after ts.
        best: float | None = None
        horizon: datetime | None = None
        for wall in self._walls(local - _SLACK):
            if horizon is not None and wall > horizon:
                break
            for instant in self._instants(wall):
                if instant > ts and (best is None or instant < best):
                    best = instant
                    horizon = horizon or wall + _SLACK
        if best is None:
            raise self._never()
        return best

    def _never(self) -> CronError:
        return CronError(f'"{self.expression}" does not fire within {_SEARCH_DAYS // 366} years')
