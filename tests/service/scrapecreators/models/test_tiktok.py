"""The TikTok models read wrapped and flat items, both user-search forms, and special profiles."""

from __future__ import annotations

from typing import Any

import pytest

from service.scrapecreators import (
    TikTokKeywordSearch,
    TikTokProfile,
    TikTokUserSearch,
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
