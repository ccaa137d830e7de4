"""Turn a validated create-job request into a NewJob (bounds, defaults and timeouts from config)."""

from __future__ import annotations

from datetime import timedelta

from service.api.auth import Principal
from service.api.models import KeywordJobCreate, SimilarJobCreate
from service.api.validation import check_target, clean_keywords, clean_username
from service.clock import Clock
from service.config.defaults import LIMITS, TIMEOUTS
from service.config.dynamic import DynamicConfig
from service.jobs.enums import JobKind, SearchType
from service.store import NewJob

# Targets the original app used when none is given.
DEFAULT_TARGETS = {
    JobKind.TIKTOK_KEYWORD: 1000,
    JobKind.YOUTUBE_KEYWORD: 1000,
    JobKind.TIKTOK_SIMILAR: 10,
    JobKind.INSTAGRAM_SIMILAR: 20,
    JobKind.YOUTUBE_SIMILAR: 100,
}
MAX_IDEMPOTENCY_KEY = 200


async def _target(config: DynamicConfig, kind: JobKind, value: int | None) -> int:
    low = await config.get(LIMITS.target_results_min)
    high = await config.get(LIMITS.target_results_max)
    if value is None:
        # An omitted target is never the client's mistake: the kind's default, kept inside
        # whatever limits an admin has set.
        return min(max(DEFAULT_TARGETS[kind], low), high)
    return check_target(value, low=low, high=high)


async def _timeout(config: DynamicConfig, clock: Clock, kind: JobKind) -> timedelta:
    key = (
        TIMEOUTS.instagram_job_timeout
        if kind is JobKind.INSTAGRAM_SIMILAR
        else TIMEOUTS.standard_job_timeout
    )
    return timedelta(seconds=await config.get(key))


async def keyword_job(
    kind: JobKind,
    body: KeywordJobCreate,
    user: Principal,
    *,
    config: DynamicConfig,
    clock: Clock,
    idempotency_key: str | None,
) -> NewJob:
    keywords = clean_keywords(
        body.keywords,
        max_count=await config.get(LIMITS.max_keywords),
        max_length=await config.get(LIMITS.max_keyword_length),
    )
    return NewJob(
        user_id=user.user_id,
        kind=kind,
        keywords=keywords,
        target_results=await _target(config, kind, body.target_results),
        campaign_id=body.campaign_id,
        timeout_at=clock.now() + await _timeout(config, clock, kind),
        idempotency_key=idempotency_key,
    )


async def similar_job(
    kind: JobKind,
    body: SimilarJobCreate,
    user: Principal,
    *,
    config: DynamicConfig,
    clock: Clock,
    idempotency_key: str | None,
) -> NewJob:
    return NewJob(
        user_id=user.user_id,
        kind=kind,
        target_username=clean_username(body.username, kind.platform),
        target_results=await _target(config, kind, body.target_results),
        campaign_id=body.campaign_id,
        timeout_at=clock.now() + await _timeout(config, clock, kind),
        idempotency_key=idempotency_key,
    )


def is_keyword(kind: JobKind) -> bool:
    return kind.search_type is SearchType.KEYWORD
