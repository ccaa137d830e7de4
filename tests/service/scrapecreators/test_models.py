"""The response models accept every real shape of the ScrapeCreators responses and normalise it."""

from __future__ import annotations

from typing import Any

import pytest

from service.scrapecreators import (
    CreditBalance,
    ErrorBody,
    InstagramProfile,
    TikTokKeywordSearch,
    TikTokProfile,
    TikTokUserSearch,
    YouTubeChannel,
    YouTubeChannelVideos,
    YouTubeSearch,
    error_text,
)

AUTHOR = {
    "uid": "6000000000000000001",
    "unique_id": "bakes_by_nora",
    "nickname": "Nora Bakes",
    "follower_count": 50000,
    "custom_verify": "Popular creator",
    "verification_type": 0,
    "avatar_medium": {"url_list": ["https://a.invalid/n.heic", "https://a.invalid/n.jpeg"]},
}
AWEME = {
    "aweme_id": "7000000000000000001",
    "desc": "sourdough day #baking #bread",
    "url": "https://www.tiktok.com/@bakes_by_nora/video/7000000000000000001",
    "share_url": "https://www.tiktok.com/@bakes_by_nora/video/7000000000000000001?u=1",
    "statistics": {"play_count": 1000, "digg_count": 100, "comment_count": 10, "share_count": 5},
    "text_extra": [{"type": 1, "hashtag_name": "baking"}, {"type": 0, "hashtag_name": ""}],
    "author": AUTHOR,
}


def test_keyword_search_unwraps_aweme_info() -> None:
    page = TikTokKeywordSearch.model_validate(
        {"cursor": 30, "has_more": 1, "search_item_list": [{"aweme_info": AWEME}]}
    )
    [item] = page.items()
    assert (page.cursor, page.has_more) == (30, 1)
    assert item.author.unique_id == "bakes_by_nora"
    assert item.author.verified
    assert item.author.avatar_medium is not None
    assert item.author.avatar_medium.best_url() == "https://a.invalid/n.jpeg"
    assert item.hashtags() == ["baking"]
    assert item.link() == AWEME["url"]


def test_keyword_search_accepts_flat_trimmed_items() -> None:
    flat = {k: v for k, v in AWEME.items() if k not in {"share_url", "text_extra"}}
    page = TikTokKeywordSearch.model_validate(
        {"success": True, "credits_remaining": 9, "cursor": 60, "search_item_list": [flat]}
    )
    [item] = page.items()
    assert item.aweme_id == "7000000000000000001"
    # Without text_extra the hashtags come from the caption.
    assert item.hashtags() == ["baking", "bread"]
    assert page.credits_remaining == 9


@pytest.mark.parametrize(
    "body",
    [
        {"cursor": 90, "has_more": 0, "aweme_list": None, "search_nil_info": {"text_type": 10}},
        {"cursor": 90, "has_more": 0, "search_item_list": None},
        {"cursor": 90, "has_more": 0, "search_item_list": [{"aweme_info": None}]},
    ],
)
def test_keyword_search_last_page_has_no_items(body: dict[str, Any]) -> None:
    page = TikTokKeywordSearch.model_validate(body)
    assert page.items() == []
    assert page.has_more == 0


def test_profile_with_user() -> None:
    profile = TikTokProfile.model_validate(
        {
            "user": {"id": "1", "uniqueId": "nora", "signature": "hi@x.invalid"},
            "stats": {"followerCount": 12, "videoCount": 3},
        }
    )
    assert profile.user is not None
    assert profile.bio == "hi@x.invalid"
    assert profile.stats.followerCount == 12
    assert not profile.is_private
    assert not profile.is_deactivated


def test_profile_private_and_deactivated() -> None:
    private = TikTokProfile.model_validate({"account_private": True, "handle": "shy"})
    gone = TikTokProfile.model_validate(
        {"success": True, "account_deactivated": True, "message": "Account doesn't exist"}
    )
    assert private.is_private
    assert not private.is_deactivated
    assert private.user is None
    assert gone.is_deactivated
    assert not gone.is_private
    assert gone.bio == ""


def test_profile_private_flag_on_user_counts_as_private() -> None:
    profile = TikTokProfile.model_validate({"user": {"uniqueId": "x", "privateAccount": True}})
    assert profile.is_private


USER = {
    "uid": "2",
    "unique_id": "crumb_club",
    "nickname": "Crumb Club",
    "follower_count": 25000,
    "verification_type": 1,
    "is_private_account": 1,
}


@pytest.mark.parametrize(
    "body",
    [
        {"cursor": 30, "users": [{"user_info": USER, "items": None}]},
        {"cursor": 30, "has_more": 1, "user_list": [{"user_info": USER}]},
        {"cursor": 30, "users": [USER]},
        {"cursor": 30, "user_list": [USER]},
    ],
    ids=["users-wrapped", "user_list-wrapped", "users-flat", "user_list-flat"],
)
def test_user_search_reads_every_form(body: dict[str, Any]) -> None:
    [user] = TikTokUserSearch.model_validate(body).users()
    assert user.unique_id == "crumb_club"
    assert user.follower_count == 25000
    assert user.is_private
    assert user.verified


def test_user_search_without_list_is_empty() -> None:
    assert TikTokUserSearch.model_validate({"cursor": 0, "user_list": None}).users() == []


def test_instagram_related_profiles() -> None:
    node = {"id": "9", "username": "rye_and_shine", "full_name": "Rye", "is_verified": True}
    profile = InstagramProfile.model_validate(
        {
            "data": {
                "user": {
                    "username": "target",
                    "edge_followed_by": {"count": 77},
                    "edge_related_profiles": {"edges": [{"node": node}]},
                }
            },
            "status": "ok",
        }
    )
    assert profile.user is not None
    assert profile.user.edge_followed_by.count == 77
    [related] = profile.related()
    assert (related.username, related.is_verified) == ("rye_and_shine", True)


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"user": {"username": "t", "edge_related_profiles": {"edges": []}}}},
        {"data": {"user": {"username": "t"}}},
        {"data": {"user": {"username": "t", "edge_related_profiles": {"edges": None}}}},
        {"data": {}},
        {},
    ],
)
def test_instagram_related_missing_or_empty(body: dict[str, Any]) -> None:
    assert InstagramProfile.model_validate(body).related() == []


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
