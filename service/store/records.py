"""Typed rows the store hands out and takes in (no SQL here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from service.jobs.enums import CampaignStatus, JobKind, JobStatus, Platform, SearchType


class Unset(Enum):
    """Marks a field a change leaves alone (None is a value: it clears the column)."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True, slots=True)
class Campaign:
    id: UUID
    user_id: str
    name: str
    description: str | None
    search_type: SearchType
    status: CampaignStatus
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Job:
    id: UUID
    user_id: str
    kind: JobKind
    status: JobStatus
    platform: Platform
    keywords: list[str] | None
    target_username: str | None
    target_results: int
    campaign_id: UUID | None
    region: str
    search_params: dict[str, Any] | None
    qstash_message_id: str | None
    queued_message_id: str | None
    processed_runs: int
    processed_results: int
    cursor: str | None
    progress: float
    step: int
    consecutive_failures: int
    error: str | None
    run_id: str | None
    lease_expires_at: datetime | None
    idempotency_key: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    timeout_at: datetime


@dataclass(frozen=True, slots=True)
class NewJob:
    user_id: str
    kind: JobKind
    timeout_at: datetime
    target_results: int
    campaign_id: UUID | None = None
    keywords: list[str] | None = None
    target_username: str | None = None
    search_params: Mapping[str, Any] | None = None
    idempotency_key: str | None = None
    region: str = "US"


@dataclass(frozen=True, slots=True)
class KeyedCreator:
    """A creator ready to store: `key` is unique within its job (the in-job dedupe)."""

    key: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StepChanges:
    """What one committed step changes on its job besides `step += 1`.

    `processed_results` is not here: the store adds the number of creators it actually
    inserted, so the counter always equals the stored rows.
    """

    status: JobStatus | None = None
    add_runs: int = 0
    progress: float | None = None
    cursor: str | Unset | None = UNSET
    error: str | Unset | None = UNSET
    search_params: Mapping[str, Any] | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class NewConfig:
    """One (category, key) value to store."""

    category: str
    key: str
    value: str
    value_type: str
    description: str | None


@dataclass(frozen=True, slots=True)
class ConfigRow:
    category: str
    key: str
    value: str
    value_type: str
    description: str | None
    updated_at: datetime
