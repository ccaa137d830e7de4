"""Retry timing: QStash's default backoff and the `Upstash-Retry-Delay` expression language."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

_MAX_BACKOFF = 86_400.0
# e^(2.5·n) passes one day from n = 5 on; capping the exponent first avoids OverflowError.
_MAX_EXPONENT = math.log(_MAX_BACKOFF) + 1.0
_MAX_LENGTH = 1_000
_MAX_DEPTH = 64


def default_backoff(retried: int) -> float:
    """Seconds before retry number `retried` (1 = the first retry): min(86400, e^(2.5·n))."""
    if retried < 1:
        raise ValueError(f"retried must be >= 1, got {retried}")
    return min(_MAX_BACKOFF, math.exp(min(2.5 * retried, _MAX_EXPONENT)))


class RetryDelayError(ValueError):
    """An `Upstash-Retry-Delay` expression that cannot be parsed or evaluated."""


def _round_half_away(x: float) -> float:
    # Go's math.Round rounds halves away from zero; Python's round() rounds them to even.
    return math.copysign(math.floor(abs(x) + 0.5), x)


# name -> (arity, implementation); these nine are the whole documented set (QStash docs,
# features/retry, Upstash-Retry-Delay).
_FUNCTIONS: dict[str, tuple[int, Callable[..., float]]] = {
    "pow": (2, math.pow),
    "exp": (1, math.exp),
    "sqrt": (1, math.sqrt),
    "abs": (1, abs),
    "floor": (1, lambda x: float(math.floor(x))),
    "ceil": (1, lambda x: float(math.ceil(x))),
    "round": (1, _round_half_away),
    "min": (2, min),
    "max": (2, max),
}
_VARIABLE = "retried"

# An expression compiles to a closure of `retried`: evaluation is then a few calls, no tree walk.
_Eval = Callable[[float], float]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "name", "op" or "end"
    text: str
    pos: int  # 1-based column, as shown in error messages
    value: float = 0.0


def _tokenize(expr: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit() or (ch == "." and i + 1 < n and expr[i + 1].isdigit()):
            start = i
            while i < n and (expr[i].isdigit() or expr[i] == "."):
                i += 1
            if i < n and expr[i] in "eE":  # exponent, e.g. 1e3
                j = i + 1
                if j < n and expr[j] in "+-":
                    j += 1
                if j < n and expr[j].isdigit():
                    i = j
                    while i < n and expr[i].isdigit():
                        i += 1
            text = expr[start:i]
            try:
                value = float(text)
            except ValueError:
                raise RetryDelayError(f'invalid number "{text}" at position {start + 1}') from None
            tokens.append(_Token("num", text, start + 1, value))
        elif ch.isalpha() or ch == "_":
            start = i
            while i < n and (expr[i].isalnum() or expr[i] == "_"):
                i += 1
            tokens.append(_Token("name", expr[start:i], start + 1))
        elif ch in "+-*/(),":
            tokens.append(_Token("op", ch, i + 1))
            i += 1
        else:
            raise RetryDelayError(f'unexpected character "{ch}" at position {i + 1}')
    tokens.append(_Token("end", "", n + 1))
    return tokens


def _where(token: _Token) -> str:
    return "at end of expression" if token.kind == "end" else f"at position {token.pos}"


class _Parser:
    """Recursive descent over: expr := term (± term)*; term := unary (*/ unary)*;
    unary := -unary | +unary | primary; primary := number | retried | f(args) | (expr)."""

    def __init__(self, expr: str) -> None:
        self._tokens = _tokenize(expr)
        self._i = 0
        self._depth = 0

    def parse(self) -> _Eval:
        if self._peek().kind == "end":
            raise RetryDelayError("empty expression")
        result = self._expr()
        token = self._peek()
        if token.kind != "end":
            raise RetryDelayError(f'unexpected "{token.text}" at position {token.pos}')
        return result

    def _peek(self) -> _Token:
        return self._tokens[self._i]

    def _next(self) -> _Token:
        token = self._tokens[self._i]
        self._i += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.kind != "op" or token.text != text:
            raise RetryDelayError(f'expected "{text}" {_where(token)}')

    def _expr(self) -> _Eval:
        return self._left_associative("+-", self._term)

    def _term(self) -> _Eval:
        return self._left_associative("*/", self._unary)

    def _left_associative(self, operators: str, operand: Callable[[], _Eval]) -> _Eval:
        left = operand()
        while (token := self._peek()).kind == "op" and token.text in operators:
            self._i += 1
            left = _binary(token.text, left, operand())
        return left

    def _unary(self) -> _Eval:
        token = self._peek()
        if token.kind == "op" and token.text in "+-":
            self._i += 1
            operand = self._nested(self._unary)
            if token.text == "+":
                return operand
            return lambda r: -operand(r)
        return self._primary()

    def _nested(self, rule: Callable[[], _Eval]) -> _Eval:
        # Bounded recursion: a hostile header must get a 400, not a RecursionError.
        self._depth += 1
        if self._depth > _MAX_DEPTH:
            raise RetryDelayError("expression is nested too deeply")
        try:
            return rule()
        finally:
            self._depth -= 1

    def _primary(self) -> _Eval:
        token = self._next()
        if token.kind == "num":
            value = token.value
            return lambda _r: value
        if token.kind == "op" and token.text == "(":
            inner = self._nested(self._expr)
            self._expect(")")
            return inner
        if token.kind == "name":
            if self._peek().text == "(" and self._peek().kind == "op":
                return self._call(token)
            if token.text == _VARIABLE:
                return lambda r: r
            if token.text in _FUNCTIONS:
                raise RetryDelayError(f'function "{token.text}" needs arguments in parentheses')
            raise RetryDelayError(f'unknown variable "{token.text}" at position {token.pos}')
        if token.kind == "end":
            raise RetryDelayError("unexpected end of expression")
        raise RetryDelayError(f'unexpected "{token.text}" at position {token.pos}')

    def _call(self, name: _Token) -> _Eval:
        spec = _FUNCTIONS.get(name.text)
        if spec is None:
            raise RetryDelayError(f'unknown function "{name.text}" at position {name.pos}')
        arity, func = spec
        self._expect("(")
        args: list[_Eval] = []
        if not (self._peek().kind == "op" and self._peek().text == ")"):
            args.append(self._nested(self._expr))
            while self._peek().kind == "op" and self._peek().text == ",":
                self._i += 1
                args.append(self._nested(self._expr))
        self._expect(")")
        if len(args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            raise RetryDelayError(f"{name.text} takes {arity} {plural}, got {len(args)}")
        if arity == 1:
            (arg,) = args
            return lambda r: func(arg(r))
        first, second = args
        return lambda r: func(first(r), second(r))


def _binary(op: str, left: _Eval, right: _Eval) -> _Eval:
    if op == "+":
        return lambda r: left(r) + right(r)
    if op == "-":
        return lambda r: left(r) - right(r)
    if op == "*":
        return lambda r: left(r) * right(r)
    return lambda r: left(r) / right(r)


@dataclass(frozen=True, slots=True)
class RetryDelay:
    """A parsed `Upstash-Retry-Delay` expression: milliseconds as a function of `retried`."""

    expression: str
    _evaluate: _Eval = field(repr=False, compare=False)

    @classmethod
    def parse(cls, expr: str) -> RetryDelay:
        if len(expr) > _MAX_LENGTH:
            raise RetryDelayError(f"expression is longer than {_MAX_LENGTH} characters")
        return cls(expr, _Parser(expr).parse())

    def milliseconds(self, retried: int) -> float:
        """The delay before the next attempt; `retried` is 0 for the first retry."""
        try:
            result = float(self._evaluate(float(retried)))
        except ZeroDivisionError:
            raise RetryDelayError(f"{self.expression!r} divides by zero") from None
        except (OverflowError, ValueError) as exc:
            raise RetryDelayError(f"{self.expression!r} cannot be evaluated: {exc}") from None
        if not math.isfinite(result) or result < 0:
            raise RetryDelayError(f"{self.expression!r} gives {result}, not a delay")
        return result
