"""Models of the YouTube search, channel and channel-videos responses."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from service.scrapecreators.models.base import (
    Count,
    Envelope,
    Model,
    Text,
    none_to,
)

# --- YouTube ---------------------------------------------------------------------------------


class YouTubeChannelRef(Model):
    """`channel` of a search item; `handle` has no leading "@" and may be missing."""

    id: Text = ""
    title: Text = ""
    handle: Text = ""
    thumbnail: Text = ""


class YouTubeVideo(Model):
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


_Videos = Annotated[list[YouTubeVideo], none_to(list)]


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


class YouTubeImageSource(Model):
    url: Text = ""
    width: Count = 0
    height: Count = 0


class YouTubeImage(Model):
    sources: Annotated[list[YouTubeImageSource], none_to(list)] = Field(default_factory=list)


class YouTubeAvatar(Model):
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
    links: Annotated[list[str], none_to(list)] = Field(default_factory=list)

    def best_avatar(self) -> str:
        """The widest avatar source's URL, or "" when there is none."""
        if self.avatar is None or self.avatar.image is None or not self.avatar.image.sources:
            return ""
        return max(self.avatar.image.sources, key=lambda source: source.width).url

    def tag_list(self) -> list[str]:
        """`tags` split on commas, trimmed, lower-cased, empties dropped, in order."""
        return [tag.strip().lower() for tag in self.tags.split(",") if tag.strip()]
