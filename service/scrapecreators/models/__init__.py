"""Pydantic models of the ScrapeCreators responses the service reads, tolerant of every real shape.

Attributes are named exactly like the JSON keys (camelCase where the API uses it), so a reader can
hold a model next to `reference/scrapecreators.md` and a cassette. Unknown keys are ignored: the API
adds envelope keys over time (`success`, `credits_remaining`, `credits_charged`, `cached`) and the
payloads carry far more than the service needs. One module per platform; import from here.
"""

from __future__ import annotations

from service.scrapecreators.models.account import (
    CreditBalance,
    ErrorBody,
    error_text,
)
from service.scrapecreators.models.base import (
    Envelope,
)
from service.scrapecreators.models.instagram import (
    InstagramCount,
    InstagramData,
    InstagramProfile,
    InstagramRelated,
    InstagramRelatedEdge,
    InstagramRelatedEdges,
    InstagramUser,
)
from service.scrapecreators.models.tiktok import (
    TikTokAvatar,
    TikTokAweme,
    TikTokKeywordSearch,
    TikTokProfile,
    TikTokProfileStats,
    TikTokProfileUser,
    TikTokSearchAuthor,
    TikTokSearchUser,
    TikTokStatistics,
    TikTokTextExtra,
    TikTokUserSearch,
)
from service.scrapecreators.models.youtube import (
    YouTubeAvatar,
    YouTubeChannel,
    YouTubeChannelRef,
    YouTubeChannelVideos,
    YouTubeImage,
    YouTubeImageSource,
    YouTubeSearch,
    YouTubeVideo,
)

__all__ = [
    "CreditBalance",
    "Envelope",
    "ErrorBody",
    "InstagramCount",
    "InstagramData",
    "InstagramProfile",
    "InstagramRelated",
    "InstagramRelatedEdge",
    "InstagramRelatedEdges",
    "InstagramUser",
    "TikTokAvatar",
    "TikTokAweme",
    "TikTokKeywordSearch",
    "TikTokProfile",
    "TikTokProfileStats",
    "TikTokProfileUser",
    "TikTokSearchAuthor",
    "TikTokSearchUser",
    "TikTokStatistics",
    "TikTokTextExtra",
    "TikTokUserSearch",
    "YouTubeAvatar",
    "YouTubeChannel",
    "YouTubeChannelRef",
    "YouTubeChannelVideos",
    "YouTubeImage",
    "YouTubeImageSource",
    "YouTubeSearch",
    "YouTubeVideo",
    "error_text",
]
