"""The one JSON parser: bounded depth and numbers, a 400 naming the field for anything else."""

from __future__ import annotations

import pytest

from service.api.json_input import MAX_DEPTH, parse_json, parse_json_object
from service.errors import InvalidInput


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_a_value_up_to_the_depth_limit_parses() -> None:
    assert parse_json(nested(MAX_DEPTH)) == parse_json(nested(MAX_DEPTH).encode())
    assert parse_json('{"a": {"b": [1, "x", null]}}') == {"a": {"b": [1, "x", None]}}


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 199, 200, 201, 1000, 100_000])
def test_anything_deeper_is_refused_the_same_way(levels: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_json(nested(levels), "sourceBody")
    assert raised.value.message == f"sourceBody: nested deeper than {MAX_DEPTH} levels"


def test_depth_counts_the_deepest_branch_not_the_first() -> None:
    wide = '{"a": 1, "b": [[1]], "c": ' + nested(MAX_DEPTH) + "}"
    with pytest.raises(InvalidInput, match="nested deeper"):
        parse_json(wide)


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"{} x", b"NaN", b"-Infinity", b'"\xff"', b'"\\ud800"', b"1" + b"0" * 5000],
)
def test_what_is_not_json_is_refused_naming_the_field(raw: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"^body: must be valid JSON \("):
        parse_json(raw)


def test_big_integers_parse_exactly_for_the_model_to_bound() -> None:
    assert parse_json(str(2**63)) == 2**63


@pytest.mark.parametrize("raw", ["[]", "null", '"x"', "1"])
def test_an_object_is_required_where_one_is_asked_for(raw: str) -> None:
    with pytest.raises(InvalidInput, match=r"^body: must be a JSON object$"):
        parse_json_object(raw)
