"""Cron parsing and next firing times, in UTC and across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulator.qstash.cron import Cron, CronError


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _firings(expr: str, start: str, count: int) -> list[str]:
    cron, ts, out = Cron.parse(expr), _ts(start), []
    for _ in range(count):
        ts = cron.next_after(ts)
        out.append(_iso(ts))
    return out


@pytest.mark.parametrize(
    ("expr", "start", "expected"),
    [
        ("* * * * *", "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00"),
        ("* * * * *", "2026-01-01T00:00:30+00:00", "2026-01-01T00:01:00+00:00"),
        ("*/15 * * * *", "2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00"),
        ("5/20 * * * *", "2026-01-01T00:30:00+00:00", "2026-01-01T00:45:00+00:00"),
        ("0 9 * * MON-FRI", "2026-01-02T09:00:00+00:00", "2026-01-05T09:00:00+00:00"),
        ("0 0 1 JAN *", "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        ("0 12 29 feb *", "2026-03-01T00:00:00+00:00", "2028-02-29T12:00:00+00:00"),
        ("0 0 31 * *", "2026-04-01T00:00:00+00:00", "2026-05-31T00:00:00+00:00"),
        ("0,30 1-2 * * *", "2026-01-01T01:30:00+00:00", "2026-01-01T02:00:00+00:00"),
        ("0 0 * * 7", "2026-01-01T00:00:00+00:00", "2026-01-04T00:00:00+00:00"),
        ("59 23 31 12 *", "2026-06-01T00:00:00+00:00", "2026-12-31T23:59:00+00:00"),
    ],
)
def test_next_firing_in_utc(expr: str, start: str, expected: str) -> None:
    assert _firings(expr, start, 1) == [expected]


@pytest.mark.parametrize(
    ("expr", "start", "expected"),
    [
        # 2026-01-13 is the first Tuesday after Jan 10; the 15th comes later.
        pytest.param(
            "0 0 15 * TUE",
            "2026-01-10T00:00:00+00:00",
            ["2026-01-13T00:00:00+00:00", "2026-01-15T00:00:00+00:00"],
            id="restricted day-of-month and weekday match either",
        ),
        # `*/2` is not `*`: the 1st of a month OR an even weekday will do (Jan 3 is a Saturday).
        # Were it treated as `*`, both would have to match: Sunday 2026-02-01 at the earliest.
        pytest.param(
            "0 0 1 * */2",
            "2026-01-01T00:00:00+00:00",
            ["2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00"],
            id="stepped weekday restricts like a list",
        ),
        pytest.param(
            "CRON_TZ=America/New_York 0 4 * * *",
            "2026-01-10T00:00:00+00:00",
            ["2026-01-10T09:00:00+00:00"],
            id="CRON_TZ fires in local time",
        ),
        pytest.param(
            "CRON_TZ=Asia/Kolkata 30 8 * * *",
            "2026-01-10T00:00:00+00:00",
            ["2026-01-10T03:00:00+00:00"],
            id="CRON_TZ with a half-hour offset",
        ),
        # 2026-03-08 02:00 EST jumps to 03:00 EDT in New York: 02:30 happens the next day only.
        pytest.param(
            "CRON_TZ=America/New_York 30 2 * * *",
            "2026-03-07T12:00:00+00:00",
            ["2026-03-09T06:30:00+00:00", "2026-03-10T06:30:00+00:00"],
            id="spring forward skips wall times that do not exist",
        ),
    ],
)
def test_next_firings(expr: str, start: str, expected: list[str]) -> None:
    assert _firings(expr, start, len(expected)) == expected


def test_fall_back_repeats_hourly_jobs_but_not_fixed_hour_jobs() -> None:
    # 2026-11-01: 01:00-01:59 happens twice in New York (EDT, then EST).
    assert _firings("CRON_TZ=America/New_York */30 * * * *", "2026-11-01T04:50:00+00:00", 5) == [
        "2026-11-01T05:00:00+00:00",  # 01:00 EDT
        "2026-11-01T05:30:00+00:00",  # 01:30 EDT
        "2026-11-01T06:00:00+00:00",  # 01:00 EST
        "2026-11-01T06:30:00+00:00",  # 01:30 EST
        "2026-11-01T07:00:00+00:00",  # 02:00 EST
    ]
    assert _firings("CRON_TZ=America/New_York 30 1 * * *", "2026-11-01T04:50:00+00:00", 2) == [
        "2026-11-01T05:30:00+00:00",
        "2026-11-02T06:30:00+00:00",
    ]


def test_expression_is_trimmed_and_single_spaced() -> None:
    assert Cron.parse("  CRON_TZ=Europe/Berlin   0  9 *  * 1 ").expression == (
        "CRON_TZ=Europe/Berlin 0 9 * * 1"
    )


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("", "expected 5 fields"),
        ("* * * *", "expected 5 fields (minute hour day month weekday), got 4"),
        ("0 * * * * *", "got 6"),
        ("CRON_TZ=Mars/Olympus 0 * * * *", 'unknown time zone "Mars/Olympus"'),
        ("CRON_TZ=../../etc/passwd 0 * * * *", "unknown time zone"),
        ("60 * * * *", "invalid minute field: 60 is outside 0-59"),
        ("* 24 * * *", "invalid hour field: 24 is outside 0-23"),
        ("* * 0 * *", "invalid day-of-month field: 0 is outside 1-31"),
        ("* * * 13 *", "invalid month field: 13 is outside 1-12"),
        ("* * * * 8", "invalid day-of-week field: 8 is outside 0-7"),
        ("* * * FOO *", 'invalid month field: "FOO" is not a number'),
        ("*/0 * * * *", 'bad step "0"'),
        ("*/x * * * *", 'bad step "x"'),
        ("30-10 * * * *", 'range "30-10" runs backwards'),
        ("@hourly", "expected 5 fields"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6 *", "never fires"),
    ],
)
def test_rejects_bad_expressions(expr: str, message: str) -> None:
    with pytest.raises(CronError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Cron.parse(expr)


def test_a_cron_error_is_a_value_error() -> None:
    assert issubclass(CronError, ValueError)
