"""Request and response bodies of the HTTP API (camelCase JSON, as the original app)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field, StrictInt, field_validator

from service.creator import CamelModel
from service.enums import CampaignStatus, JobKind, JobStatus, Platform, SearchType
from service.safe_text import MultilineText, SafeText


class ErrorOut(CamelModel):
    error: str


class CampaignCreate(CamelModel):
    name: SafeText = Field(min_length=1, max_length=200)
    # Multi-line: TAB, LF and CR are kept here, and only here (see service.safe_text).
    description: MultilineText | None = Field(None, max_length=2000)
    search_type: SearchType = SearchType.KEYWORD

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class JobSummary(CamelModel):
    id: UUID
    kind: JobKind
    platform: Platform
    status: JobStatus
    keywords: list[str] | None
    target_username: str | None
    target_results: int
    processed_results: int
    progress: float
    error: str | None
    created_at: datetime
    completed_at: datetime | None


class CampaignOut(CamelModel):
    id: UUID
    name: str
    description: str | None
    search_type: SearchType
    status: CampaignStatus
    created_at: datetime
    updated_at: datetime


class CampaignWithJobs(CampaignOut):
    jobs: list[JobSummary]


class CampaignList(CamelModel):
    campaigns: list[CampaignOut]


class KeywordJobCreate(CamelModel):
    """Bounds on count, length and target come from dynamic config, checked by the handler."""

    keywords: list[Any]
    target_results: StrictInt = 1000
    campaign_id: UUID


class SimilarJobCreate(CamelModel):
    username: SafeText
    campaign_id: UUID
    target_results: StrictInt | None = None


class JobCreated(CamelModel):
    message: str
    job_id: UUID
    qstash_message_id: str | None


class JobStatusOut(CamelModel):
    job_id: UUID
    kind: JobKind
    platform: Platform
    status: JobStatus
    processed_results: int
    target_results: int
    processed_runs: int
    progress: float
    error: str | None
    keywords: list[str] | None
    target_username: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    timeout_at: datetime
    total_results: int
    offset: int
    limit: int
    results: list[dict[str, Any]]


class ConfigEntry(CamelModel):
    key: str
    value: str
    value_type: str
    default: str
    description: str
    overridden: bool
    # The allowed range, inclusive, in the value's own notation (e.g. "1m" and "7d").
    min: str
    max: str


class ConfigOut(CamelModel):
    config: list[ConfigEntry]
