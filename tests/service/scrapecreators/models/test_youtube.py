"""The YouTube models merge videos and shorts and read channel avatars, tags and emails."""

from __future__ import annotations

from service.scrapecreators import (
    YouTubeChannel,
    YouTubeSearch,
)


def test_youtube_search_all_items_and_token() -> None:
    video = {"type": "video", "id": "v1", "channel": {"id": "UC1", "handle": "BakeLab"}}
    short = {"type": "short", "id": "s1", "channel": {"id": "UC2", "handle": None}}
    page = YouTubeSearch.model_validate(
        {"videos": [video], "shorts": [short], "continuationToken": "tok"}
    )
    assert [item.id for item in page.all_items()] == ["v1", "s1"]
    assert [item.channel.handle for item in page.all_items() if item.channel] == ["BakeLab", ""]
    assert page.continuationToken == "tok"


def test_youtube_search_without_lists_or_token() -> None:
    page = YouTubeSearch.model_validate({"videos": None})
    assert page.all_items() == []
    assert page.continuationToken == ""


def test_youtube_channel_avatar_tags_and_email() -> None:
    channel = YouTubeChannel.model_validate(
        {
            "channelId": "UC1",
            "handle": "@BakeLab",
            "name": "Bake Lab",
            "avatar": {
                "image": {
                    "sources": [
                        {"url": "https://a.invalid/72.jpg", "width": 72},
                        {"url": "https://a.invalid/900.jpg", "width": 900},
                        {"url": "https://a.invalid/160.jpg", "width": 160},
                    ]
                }
            },
            "tags": " Baking, Bread ,, sourdough ",
            "email": None,
            "links": ["https://bakelab.invalid"],
            "subscriberCount": 250000,
        }
    )
    assert channel.best_avatar() == "https://a.invalid/900.jpg"
    assert channel.tag_list() == ["baking", "bread", "sourdough"]
    assert channel.email == ""
    assert channel.links == ["https://bakelab.invalid"]


def test_youtube_channel_without_avatar_or_tags() -> None:
    channel = YouTubeChannel.model_validate({"channelId": "UC1", "tags": None})
    assert channel.best_avatar() == ""
    assert channel.tag_list() == []
