"""Models of the TikTok keyword search, profile and user search responses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from service.scrapecreators.models.base import (
    Count,
    Envelope,
    Flag,
    Model,
    Text,
    none_to,
    unwrap_items,
)

# --- TikTok keyword search -------------------------------------------------------------------


class TikTokAvatar(Model):
    url_list: Annotated[list[str], none_to(list)] = Field(default_factory=list)

    def best_url(self) -> str:
        """The `.jpeg` entry when there is one (the first is usually `.heic`), else the first."""
        for url in self.url_list:
            if ".jpeg" in url or ".jpg" in url:
                return url
        return self.url_list[0] if self.url_list else ""


class TikTokSearchAuthor(Model):
    """`author` of a keyword-search item: snake_case, and never a `signature` (bio)."""

    uid: Text = ""
    sec_uid: Text = ""
    unique_id: Text = ""
    nickname: Text = ""
    follower_count: Count = 0
    following_count: Count = 0
    custom_verify: Text = ""
    verification_type: Count = 0
    ins_id: Text = ""
    avatar_medium: TikTokAvatar | None = None

    @property
    def verified(self) -> bool:
        return self.verification_type > 0 or bool(self.custom_verify)


class TikTokStatistics(Model):
    play_count: Count = 0
    digg_count: Count = 0
    comment_count: Count = 0
    share_count: Count = 0


class TikTokTextExtra(Model):
    type: Count = 0
    hashtag_name: Text = ""


class TikTokAweme(Model):
    """One video of a keyword search, whether it came wrapped in `aweme_info` or flat (trim)."""

    aweme_id: Text = ""
    desc: Text = ""
    create_time: Count = 0
    url: Text = ""
    share_url: Text = ""
    statistics: TikTokStatistics = Field(default_factory=TikTokStatistics)
    text_extra: Annotated[list[TikTokTextExtra], none_to(list)] = Field(default_factory=list)
    author: TikTokSearchAuthor = Field(default_factory=TikTokSearchAuthor)

    def link(self) -> str:
        """The clean `url` when present; `share_url` (with tracking parameters) otherwise."""
        return self.url or self.share_url

    def hashtags(self) -> list[str]:
        """Hashtags from `text_extra` (type 1), or from `#tokens` in `desc` when it is absent."""
        tags = [t.hashtag_name for t in self.text_extra if t.type == 1 and t.hashtag_name]
        if tags or self.text_extra:
            return tags
        return [word[1:] for word in self.desc.split() if word.startswith("#") and len(word) > 1]


class TikTokKeywordSearch(Envelope):
    """`GET /v1/tiktok/search/keyword`: `cursor` is the next offset; the list may be missing."""

    cursor: Count = 0
    has_more: Count = 0
    search_item_list: Annotated[
        list[TikTokAweme], BeforeValidator(lambda v: unwrap_items(v, "aweme_info"))
    ] = Field(default_factory=list)

    def items(self) -> list[TikTokAweme]:
        return list(self.search_item_list)


# --- TikTok profile --------------------------------------------------------------------------


class TikTokProfileUser(Model):
    """`user` of a TikTok profile: camelCase, unlike search results."""

    id: Text = ""
    uniqueId: Text = ""
    nickname: Text = ""
    signature: Text = ""
    verified: Flag = False
    privateAccount: Flag = False
    avatarLarger: Text = ""
    avatarMedium: Text = ""
    avatarThumb: Text = ""


class TikTokProfileStats(Model):
    followerCount: Count = 0
    followingCount: Count = 0
    heartCount: Count = 0
    videoCount: Count = 0


class TikTokProfile(Envelope):
    """`GET /v1/tiktok/profile`: a `user`, or a 200 with `account_private`/`account_deactivated`."""

    user: TikTokProfileUser | None = None
    stats: TikTokProfileStats = Field(default_factory=TikTokProfileStats)
    account_private: Flag = False
    account_deactivated: Flag = False
    handle: Text = ""
    message: Text = ""

    @property
    def is_private(self) -> bool:
        return self.account_private or (self.user is not None and self.user.privateAccount)

    @property
    def is_deactivated(self) -> bool:
        return self.account_deactivated

    @property
    def bio(self) -> str:
        return self.user.signature if self.user is not None else ""


# --- TikTok user search ----------------------------------------------------------------------


class TikTokSearchUser(TikTokSearchAuthor):
    """One user of a user search (`user_info` unwrapped, or a flat trimmed entry). Unlike a
    keyword-search author, its `aweme_count` and `total_favorited` are real."""

    search_user_desc: Text = ""
    aweme_count: Count = 0
    total_favorited: Count = 0
    is_private_account: Count = 0

    @property
    def is_private(self) -> bool:
        return self.is_private_account != 0


_UserList = Annotated[
    list[TikTokSearchUser], BeforeValidator(lambda v: unwrap_items(v, "user_info"))
]


class TikTokUserSearch(Envelope):
    """`GET /v1/tiktok/search/users`: `users` (mid-2025) or `user_list` (late 2025)."""

    cursor: Count = 0
    has_more: int | None = None
    users_: _UserList = Field(default_factory=list, alias="users")
    user_list: _UserList = Field(default_factory=list)

    def users(self) -> list[TikTokSearchUser]:
        return list(self.users_ or self.user_list)
