"""The store's row JSON: compact, read back unchanged, never refusing a row."""

from __future__ import annotations

import json

from emulator.qstash.rowjson import dumps


def test_rows_read_back_unchanged_and_compact() -> None:
    row = {"id": "msg_1", "at": 1764481800.123456, "headers": {"Content-Type": ["a/b"]}, "n": None}
    text = dumps(row)
    assert json.loads(text) == row
    assert ", " not in text
    assert ": " not in text


def test_values_orjson_refuses_still_render() -> None:
    # aiohttp decodes undecodable header bytes to lone surrogates; 2**70 exceeds orjson's ints.
    row = {"header": "caf\udce9", "big": 2**70, "text": "é"}
    assert json.loads(dumps(row)) == row
