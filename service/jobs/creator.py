"""The unified creator result every job kind stores, whatever platform it came from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from service.jobs.enums import Platform


class CamelModel(BaseModel):
    """JSON in camelCase (as the original app), Python in snake_case."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Video(CamelModel):
    description: str | None = None
    url: str | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None


class Creator(CamelModel):
    platform: Platform
    handle: str
    name: str | None = None
    followers: int | None = None
    bio: str = ""
    emails: list[str] = Field(default_factory=list)
    profile_url: str | None = None
    avatar_url: str | None = None
    verified: bool = False
    is_private: bool = False
    external_id: str | None = None
    social_links: list[str] = Field(default_factory=list)
    search_keyword: str | None = None
    video: Video | None = None
    hashtags: list[str] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The stored and served shape (camelCase keys, JSON-safe values)."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def by_handle(
        cls,
        platform: Platform,
        handle: str,
        *,
        name: str,
        avatar_url: str,
        external_id: str,
        **fields: Any,
    ) -> Creator:
        """A creator known by its handle: the profile URL follows from it, a creator without a
        display name goes by the handle, and an empty avatar or id means none (not "")."""
        return cls(
            platform=platform,
            handle=handle,
            name=name or handle,
            profile_url=PROFILE_URLS[platform].format(handle=handle),
            avatar_url=avatar_url or None,
            external_id=external_id or None,
            **fields,
        )


# Where a handle's public profile lives (YouTube also has channel-id URLs: youtube_channels).
PROFILE_URLS = {
    Platform.TIKTOK: "https://www.tiktok.com/@{handle}",
    Platform.INSTAGRAM: "https://www.instagram.com/{handle}/",
    Platform.YOUTUBE: "https://www.youtube.com/@{handle}",
}
