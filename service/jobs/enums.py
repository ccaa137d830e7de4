"""The service's closed vocabularies: job status, job kind, platform, campaign search type."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    ERROR = "error"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"  # by its owner (POST /api/jobs/{id}/cancel)

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


ACTIVE_STATUSES = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})
FINAL_STATUSES = frozenset(
    {JobStatus.COMPLETED, JobStatus.ERROR, JobStatus.TIMEOUT, JobStatus.CANCELLED}
)


class Platform(StrEnum):
    # One spelling per platform: the original mixed 'Tiktok' and 'TikTok' (the original app's data).
    TIKTOK = "TikTok"
    INSTAGRAM = "Instagram"
    YOUTUBE = "YouTube"


class SearchType(StrEnum):
    KEYWORD = "keyword"
    SIMILAR = "similar"


class JobKind(StrEnum):
    TIKTOK_KEYWORD = "tiktok_keyword"
    TIKTOK_SIMILAR = "tiktok_similar"
    INSTAGRAM_SIMILAR = "instagram_similar"
    YOUTUBE_KEYWORD = "youtube_keyword"
    YOUTUBE_SIMILAR = "youtube_similar"

    @property
    def platform(self) -> Platform:
        return _PLATFORMS[self]

    @property
    def search_type(self) -> SearchType:
        return SearchType.KEYWORD if self.value.endswith("_keyword") else SearchType.SIMILAR


_PLATFORMS = {
    JobKind.TIKTOK_KEYWORD: Platform.TIKTOK,
    JobKind.TIKTOK_SIMILAR: Platform.TIKTOK,
    JobKind.INSTAGRAM_SIMILAR: Platform.INSTAGRAM,
    JobKind.YOUTUBE_KEYWORD: Platform.YOUTUBE,
    JobKind.YOUTUBE_SIMILAR: Platform.YOUTUBE,
}


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"
