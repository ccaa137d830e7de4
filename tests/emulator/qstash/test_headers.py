"""Publish header parsing shared per header set: same headers, same template; bad ones still 400."""

from __future__ import annotations

import pytest

from emulator.qstash.errors import ApiError
from emulator.qstash.headers import shared_template


def _items(length: str, delay: str = "5s") -> list[tuple[str, str]]:
    return [("Content-Type", "text/plain"), ("Upstash-Delay", delay), ("Content-Length", length)]


def test_bodies_of_any_length_share_one_template() -> None:
    first, second = shared_template(_items("10")), shared_template(_items("12345"))
    assert first is second
    assert first.delay == 5.0
    assert first.headers == {"Content-Type": ["text/plain"]}


def test_other_headers_give_their_own_template() -> None:
    assert shared_template(_items("10", delay="7s")).delay == 7.0


def test_a_bad_header_fails_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ApiError) as caught:
            shared_template(_items("10", delay="soon"))
        assert caught.value.status == 400
        assert "Upstash-Delay" in caught.value.message
