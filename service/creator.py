"""The unified creator result every job kind stores, whatever platform it came from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from service.enums import Platform


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
