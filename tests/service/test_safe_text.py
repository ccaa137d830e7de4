"""Text checks: control characters and lone surrogates refused, TAB/LF/CR only where multi-line."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError

from service.api.safe_text import (
    MULTILINE_TEXT_PATTERN,
    NOT_BLANK_TEXT_PATTERN,
    MultilineText,
    SafeText,
    check_text,
    printable,
    text_problem,
)
from service.errors import InvalidInput


class Form(BaseModel):
    title: SafeText
    notes: MultilineText


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]])
def test_every_control_character_is_refused_in_one_line_text(char: str) -> None:
    assert text_problem(f"a{char}b") == (
        f"must not contain control characters (found U+{ord(char):04X})"
    )


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_tab_and_line_breaks_are_allowed_only_in_multiline_text(char: str) -> None:
    assert text_problem(f"a{char}b", multiline=True) is None
    assert text_problem(f"a{char}b") is not None


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x0c", "\x1b", "\x85"])
def test_other_controls_are_refused_in_multiline_text_too(char: str) -> None:
    assert text_problem(f"a{char}b", multiline=True) is not None


def test_lone_surrogates_are_refused_as_invalid_utf8() -> None:
    assert text_problem("k\udcff") == "must be valid UTF-8 text (found the lone surrogate U+DCFF)"


@pytest.mark.parametrize("text", ["Crème", "☃ 𝄞", "👩\u200d🍳", "\u202eRTL", "\ufeffBOM", ""])
def test_ordinary_unicode_passes(text: str) -> None:
    assert text_problem(text) is None
    assert check_text(text, "name") == text


def test_check_text_names_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_text("a\x00", "keywords.2")
    assert raised.value.message == "keywords.2: must not contain control characters (found U+0000)"


def test_the_annotated_types_validate_inside_models() -> None:
    assert Form(title="t", notes="line 1\nline 2").notes == "line 1\nline 2"
    with pytest.raises(ValidationError) as raised:
        Form(title="t\n", notes="ok")
    [error] = raised.value.errors()
    assert error["loc"] == ("title",)
    assert "control characters (found U+000A)" in error["msg"]


def test_printable_keeps_third_party_text_storable() -> None:
    assert printable("bad\x00gate\n\tway\x1b \udcff") == "bad\ufffdgate way\ufffd \ufffd"


# Every character class the rules care about: controls, the spaces around them, ordinary text.
_SAMPLES = [chr(c) for c in [*range(0x21), *range(0x7F, 0xA2)]] + ["é", "\u2003", "😀", "\u200d"]


@pytest.mark.parametrize("char", _SAMPLES)
def test_the_documented_patterns_say_what_the_checks_do(char: str) -> None:
    # /openapi.json publishes these patterns; a fuzzer trusts them, so they must agree exactly.
    for text in (f"a{char}b", char):
        one_line_ok = text_problem(text) is None and bool(text.strip())
        assert bool(re.fullmatch(NOT_BLANK_TEXT_PATTERN, text)) == one_line_ok, repr(text)
        multiline_ok = text_problem(text, multiline=True) is None
        assert bool(re.fullmatch(MULTILINE_TEXT_PATTERN, text)) == multiline_ok, repr(text)
