"""Credit balance, channel videos and error bodies: `message` first, then `error`, then raw text."""

from __future__ import annotations

from typing import Any

import pytest

from service.scrapecreators import (
    CreditBalance,
    ErrorBody,
    YouTubeChannelVideos,
    error_text,
)


def test_youtube_channel_videos_and_credit_balance() -> None:
    videos = YouTubeChannelVideos.model_validate({"videos": [{"id": "v"}], "continuationToken": ""})
    assert [v.id for v in videos.videos] == ["v"]
    balance = CreditBalance.model_validate({"success": True, "creditCount": 24000})
    assert balance.creditCount == 24000


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"success": False, "message": "apiKey is required"}, "apiKey is required"),
        ({"error": "Channel not found"}, "Channel not found"),
        ({"error": "forbidden", "message": "Age restricted"}, "Age restricted"),
        ({}, ""),
    ],
)
def test_error_body_reads_message_then_error(body: dict[str, Any], expected: str) -> None:
    assert ErrorBody.model_validate(body).text() == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"message":"Looks like you\'re out of credits"}', "Looks like you're out of credits"),
        ("upstream connect error or disconnect/reset before headers", "upstream connect error"),
        ("<html><body><pre>Cannot GET /v1/x</pre></body></html>", "<html><body><pre>Cannot GET"),
        ('{"message": {"nested": 1}}', '{"message": {"nested": 1}}'),
        ("[1, 2]", "[1, 2]"),
    ],
)
def test_error_text_of_any_body(body: str | bytes, expected: str) -> None:
    assert error_text(body).startswith(expected)


def test_error_text_is_one_bounded_line() -> None:
    assert error_text("a\n\n b" + "c" * 500, limit=10) == "a bccccccc"
