"""Pydantic models of the ScrapeCreators responses the service reads, tolerant of every real shape.

Attributes are named exactly like the JSON keys (camelCase where the API uses it), so a reader can
hold a model next to `reference/scrapecreators.md` and a cassette. Unknown keys are ignored: the API
adds envelope keys over time (`success`, `credits_remaining`, `credits_charged`, `cached`) and the
payloads carry far more than the service needs.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError


def _none_to(default: Any) -> BeforeValidator:
    # The API sends explicit nulls where a value is merely absent (`aweme_list: null`,
    # `email: null`, `handle: null`); reading them as the empty value keeps accessors total.
    return BeforeValidator(lambda value: default() if value is None else value)


Text = Annotated[str, _none_to(str)]
Count = Annotated[int, _none_to(int)]
Flag = Annotated[bool, _none_to(bool)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(_Model):
    """The keys every response may carry since late 2025; older bodies have neither."""

    success: bool | None = None
    credits_remaining: int | None = None


# --- TikTok keyword search -------------------------------------------------------------------


class TikTokAvatar(_Model):
    url_list: Annotated[list[str], _none_to(list)] = Field(default_factory=list)

    def best_url(self) -> str:
        """The `.jpeg` entry when there is one (the first is usually `.heic`), else the first."""
        for url in self.url_list:
            if ".jpeg" in url or ".jpg" in url:
                return url
        return self.url_list[0] if self.url_list else ""


class TikTokSearchAuthor(_Model):
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


class TikTokStatistics(_Model):
    play_count: Count = 0
    digg_count: Count = 0
    comment_count: Count = 0
    share_count: Count = 0


class TikTokTextExtra(_Model):
    type: Count = 0
    hashtag_name: Text = ""


class TikTokAweme(_Model):
    """One video of a keyword search, whether it came wrapped in `aweme_info` or flat (trim)."""

    aweme_id: Text = ""
    desc: Text = ""
    create_time: Count = 0
    url: Text = ""
    share_url: Text = ""
    statistics: TikTokStatistics = Field(default_factory=TikTokStatistics)
    text_extra: Annotated[list[TikTokTextExtra], _none_to(list)] = Field(default_factory=list)
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


def _unwrap_items(value: Any, wrapper: str) -> Any:
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    unwrapped: list[Any] = []
    for item in value:
        if isinstance(item, dict) and wrapper in item:
            # A wrapped entry with a null payload (ads, challenge cards) carries no creator.
            if item[wrapper] is not None:
                unwrapped.append(item[wrapper])
        else:
            unwrapped.append(item)
    return unwrapped


class TikTokKeywordSearch(Envelope):
    """`GET /v1/tiktok/search/keyword`: `cursor` is the next offset; the list may be missing."""

    cursor: Count = 0
    has_more: Count = 0
    search_item_list: Annotated[
        list[TikTokAweme], BeforeValidator(lambda v: _unwrap_items(v, "aweme_info"))
    ] = Field(default_factory=list)

    def items(self) -> list[TikTokAweme]:
        return list(self.search_item_list)


# --- TikTok profile --------------------------------------------------------------------------


class TikTokProfileUser(_Model):
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


class TikTokProfileStats(_Model):
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
    list[TikTokSearchUser], BeforeValidator(lambda v: _unwrap_items(v, "user_info"))
]


class TikTokUserSearch(Envelope):
    """`GET /v1/tiktok/search/users`: `users` (mid-2025) or `user_list` (late 2025)."""

    cursor: Count = 0
    has_more: int | None = None
    users_: _UserList = Field(default_factory=list, alias="users")
    user_list: _UserList = Field(default_factory=list)

    def users(self) -> list[TikTokSearchUser]:
        return list(self.users_ or self.user_list)


# --- Instagram profile -----------------------------------------------------------------------


class InstagramCount(_Model):
    count: Count = 0


class InstagramRelated(_Model):
    """A related-profile node: no follower count and no bio."""

    id: Text = ""
    username: Text = ""
    full_name: Text = ""
    is_private: Flag = False
    is_verified: Flag = False
    profile_pic_url: Text = ""


class InstagramRelatedEdge(_Model):
    node: InstagramRelated


class InstagramRelatedEdges(_Model):
    edges: Annotated[list[InstagramRelatedEdge], _none_to(list)] = Field(default_factory=list)


class InstagramUser(_Model):
    id: Text = ""
    username: Text = ""
    full_name: Text = ""
    biography: Text = ""
    external_url: Text = ""
    edge_followed_by: InstagramCount = Field(default_factory=InstagramCount)
    is_private: Flag = False
    is_verified: Flag = False
    profile_pic_url: Text = ""
    profile_pic_url_hd: Text = ""
    edge_related_profiles: InstagramRelatedEdges | None = None


class InstagramData(_Model):
    user: InstagramUser | None = None


class InstagramProfile(Envelope):
    """`GET /v1/instagram/profile`: the user and its related profiles, which may be absent."""

    data: InstagramData | None = None

    @property
    def user(self) -> InstagramUser | None:
        return self.data.user if self.data is not None else None

    def related(self) -> list[InstagramRelated]:
        user = self.user
        if user is None or user.edge_related_profiles is None:
            return []
        return [edge.node for edge in user.edge_related_profiles.edges]


# --- YouTube ---------------------------------------------------------------------------------


class YouTubeChannelRef(_Model):
    """`channel` of a search item; `handle` has no leading "@" and may be missing."""

    id: Text = ""
    title: Text = ""
    handle: Text = ""
    thumbnail: Text = ""


class YouTubeVideo(_Model):
    type: Text = ""
    id: Text = ""
    url: Text = ""
    title: Text = ""
    thumbnail: Text = ""
    channel: YouTubeChannelRef | None = None
    viewCountText: Text = ""
    viewCountInt: Count = 0
    publishedTimeText: Text = ""
    publishedTime: Text = ""
    lengthText: Text = ""
    lengthSeconds: Count = 0


_Videos = Annotated[list[YouTubeVideo], _none_to(list)]


class YouTubeSearch(Envelope):
    """`GET /v1/youtube/search`: creators hide in both `videos` and `shorts`."""

    videos: _Videos = Field(default_factory=list)
    shorts: _Videos = Field(default_factory=list)
    continuationToken: Text = ""

    def all_items(self) -> list[YouTubeVideo]:
        return [*self.videos, *self.shorts]


class YouTubeChannelVideos(Envelope):
    """`GET /v1/youtube/channel-videos`: one page of a channel's videos."""

    videos: _Videos = Field(default_factory=list)
    continuationToken: Text = ""


class YouTubeImageSource(_Model):
    url: Text = ""
    width: Count = 0
    height: Count = 0


class YouTubeImage(_Model):
    sources: Annotated[list[YouTubeImageSource], _none_to(list)] = Field(default_factory=list)


class YouTubeAvatar(_Model):
    image: YouTubeImage | None = None


def _join_tags(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(tag) for tag in value)
    return value


class YouTubeChannel(Envelope):
    """`GET /v1/youtube/channel`: no `id`/`thumbnail` keys; `channelId` and `avatar` instead."""

    channelId: Text = ""
    channel: Text = ""
    handle: Text = ""
    name: Text = ""
    avatar: YouTubeAvatar | None = None
    description: Text = ""
    subscriberCount: Count = 0
    subscriberCountText: Text = ""
    videoCount: Count = 0
    viewCount: Count = 0
    tags: Annotated[str, BeforeValidator(_join_tags)] = ""
    email: Text = ""
    links: Annotated[list[str], _none_to(list)] = Field(default_factory=list)

    def best_avatar(self) -> str:
        """The widest avatar source's URL, or "" when there is none."""
        if self.avatar is None or self.avatar.image is None or not self.avatar.image.sources:
            return ""
        return max(self.avatar.image.sources, key=lambda source: source.width).url

    def tag_list(self) -> list[str]:
        """`tags` split on commas, trimmed, lower-cased, empties dropped, in order."""
        return [tag.strip().lower() for tag in self.tags.split(",") if tag.strip()]


# --- Account and errors ----------------------------------------------------------------------


class CreditBalance(Envelope):
    """`GET /v1/credit-balance`."""

    creditCount: Count = 0


class ErrorBody(_Model):
    """A JSON error body; the vendor puts the human text in `message`, sometimes only `error`."""

    success: bool | None = None
    message: Text = ""
    error: Text = ""

    def text(self) -> str:
        return self.message or self.error


def error_text(body: str | bytes, *, limit: int = 200) -> str:
    """The readable reason in any error body: JSON `message`/`error`, else the raw text (HTML 404,
    text/plain 503), collapsed to one line and cut to `limit` characters."""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        try:
            reason = ErrorBody.model_validate(parsed).text()
        except ValidationError:
            reason = ""
        if reason:
            return reason[:limit]
    return " ".join(raw.split())[:limit]
