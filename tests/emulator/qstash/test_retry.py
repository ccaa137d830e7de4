"""Default backoff and the Upstash-Retry-Delay expression language."""

from __future__ import annotations

import math

import pytest

from emulator.qstash.retry import RetryDelay, RetryDelayError, default_backoff


@pytest.mark.parametrize(
    ("retried", "seconds"),
    [(1, 12.18), (2, 148.41), (3, 1808.04), (4, 22026.47), (5, 86400.0), (1000, 86400.0)],
)
def test_default_backoff_follows_the_documented_table(retried: int, seconds: float) -> None:
    assert default_backoff(retried) == pytest.approx(seconds, abs=0.01)


def test_default_backoff_needs_a_retry_number() -> None:
    with pytest.raises(ValueError, match="retried must be >= 1"):
        default_backoff(0)


@pytest.mark.parametrize(
    ("expr", "retried", "ms"),
    [
        ("1000", 0, 1000.0),
        ("1000 * (1 + retried)", 0, 1000.0),
        ("1000 * (1 + retried)", 2, 3000.0),
        ("pow(2, retried) * 1000", 3, 8000.0),
        ("max(1000, pow(2, retried) * 100)", 1, 1000.0),
        ("max(1000, pow(2, retried) * 100)", 5, 3200.0),
        ("7000 * retried", 2, 14000.0),
        ("min(5, 3)", 0, 3.0),
        ("exp(retried)", 1, math.e),
        ("sqrt(16) + abs(-4)", 0, 8.0),
        ("floor(2.7) + ceil(2.1)", 0, 5.0),
        ("round(2.5) + round(0.4)", 0, 3.0),
        ("10 - 2 - 3", 0, 5.0),
        ("100 / 10 / 2", 0, 5.0),
        ("2 + 3 * 4", 0, 14.0),
        ("(2 + 3) * 4", 0, 20.0),
        ("--5", 0, 5.0),
        ("-(-5) + +1", 0, 6.0),
        ("-2 * -3", 0, 6.0),
        (".5 * 4", 0, 2.0),
        ("1e3", 0, 1000.0),
        ("  retried  ", 7, 7.0),
    ],
)
def test_evaluates_expressions(expr: str, retried: int, ms: float) -> None:
    assert RetryDelay.parse(expr).milliseconds(retried) == pytest.approx(ms)


def test_round_rounds_halves_away_from_zero_like_go() -> None:
    delay = RetryDelay.parse("round(retried + 0.5)")
    assert [delay.milliseconds(n) for n in (0, 1, 2)] == [1.0, 2.0, 3.0]


def test_longest_accepted_expression_evaluates() -> None:
    expr = "1+" * 499 + "1"
    assert RetryDelay.parse(expr).milliseconds(0) == 500.0


def test_keeps_the_expression_text() -> None:
    assert RetryDelay.parse("pow(2, retried)").expression == "pow(2, retried)"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("", "empty expression"),
        ("   ", "empty expression"),
        ("foo(1)", 'unknown function "foo" at position 1'),
        ("1000 * x", 'unknown variable "x" at position 8'),
        ("min(1000, pow(2, retried)", 'expected ")" at end of expression'),
        ("(1 + 2", 'expected ")" at end of expression'),
        ("pow(2 3)", 'expected ")" at position 7'),
        ("min(1)", "min takes 2 arguments, got 1"),
        ("min()", "min takes 2 arguments, got 0"),
        ("exp(1, 2)", "exp takes 1 argument, got 2"),
        ("pow", 'function "pow" needs arguments in parentheses'),
        ("1 +", "unexpected end of expression"),
        ("1 2", 'unexpected "2" at position 3'),
        ("1 + * 2", 'unexpected "*" at position 5'),
        ("1000 % 3", 'unexpected character "%" at position 6'),
        ("__import__('os')", 'unexpected character "\'" at position 12'),
        ("__import__(1)", 'unknown function "__import__" at position 1'),
        ("1.2.3", 'invalid number "1.2.3" at position 1'),
        ("(" * 100 + "1" + ")" * 100, "expression is nested too deeply"),
        ("-" * 100 + "1", "expression is nested too deeply"),
        ("1+" * 600 + "1", "expression is longer than 1000 characters"),
    ],
)
def test_parse_errors_say_why_and_where(expr: str, message: str) -> None:
    with pytest.raises(RetryDelayError) as caught:
        RetryDelay.parse(expr)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("1000 - 2000", "gives -1000.0, not a delay"),
        ("1 / (retried - 1)", "divides by zero"),
        ("exp(100000)", "cannot be evaluated"),
        ("pow(10, 400)", "cannot be evaluated"),
        ("sqrt(-1)", "cannot be evaluated"),
        ("1e308 * 10", "gives inf, not a delay"),
    ],
)
def test_bad_results_fail_at_evaluation(expr: str, reason: str) -> None:
    delay = RetryDelay.parse(expr)  # parses fine: the problem only shows for some `retried`
    with pytest.raises(RetryDelayError, match=reason):
        delay.milliseconds(1)


def test_a_retry_delay_error_is_a_value_error() -> None:
    assert issubclass(RetryDelayError, ValueError)
