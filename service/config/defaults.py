"""Every dynamic-config key as a typed constant (default, range), and the registry built from them.

Code reads a key through its constant (`await config.get(TIMEOUTS.standard_job_timeout)`), so a
mistyped key fails type checking. A key exists only while something reads it.
"""

from __future__ import annotations

from typing import Any

from service.config.values import ConfigKey, DurationKey, NumberKey, parse_duration

# QStash refuses delays over 7 days on its free plan (QStash docs, features/delay and pricing;
# PARITY.md, plan limits): a delay within 0s..7d is accepted on every plan.
QSTASH_MAX_DELAY = "7d"
QSTASH_MAX_DELAY_SECONDS = parse_duration(QSTASH_MAX_DELAY)


# Each class is a namespace of constants, named after its category.
class API_LIMITS:
    max_api_calls_for_testing = NumberKey(
        "api_limits.max_api_calls_for_testing", "5", "1", "1000", "TikTok keyword searches per job"
    )
    max_api_calls_tiktok_similar = NumberKey(
        "api_limits.max_api_calls_tiktok_similar", "1", "1", "1000", "TikTok user searches per job"
    )
    max_api_calls_youtube = NumberKey(
        "api_limits.max_api_calls_youtube", "20", "1", "1000", "YouTube searches per job"
    )
    max_api_calls_youtube_similar = NumberKey(
        "api_limits.max_api_calls_youtube_similar", "3", "1", "1000", "YouTube similar searches"
    )


class QSTASH_DELAYS:
    tiktok_continuation_delay = DurationKey(
        "qstash_delays.tiktok_continuation_delay",
        "2s",
        "0s",
        QSTASH_MAX_DELAY,
        "Delay between TikTok steps",
    )
    youtube_continuation_delay = DurationKey(
        "qstash_delays.youtube_continuation_delay",
        "5s",
        "0s",
        QSTASH_MAX_DELAY,
        "Delay between YouTube steps",
    )
    retry_base_delay = DurationKey(
        "qstash_delays.retry_base_delay",
        "5s",
        "1s",
        QSTASH_MAX_DELAY,
        "First backoff after a retryable failure (at most retry_max_delay)",
    )
    retry_max_delay = DurationKey(
        "qstash_delays.retry_max_delay",
        "5m",
        "1s",
        QSTASH_MAX_DELAY,
        "Longest backoff after failures",
    )


class TIMEOUTS:
    standard_job_timeout = DurationKey(
        "timeouts.standard_job_timeout", "60m", "1m", "7d", "Lifetime of a job before it times out"
    )
    instagram_job_timeout = DurationKey(
        "timeouts.instagram_job_timeout", "300s", "1m", "7d", "Lifetime of an Instagram job"
    )
    stalled_job_after = DurationKey(
        "timeouts.stalled_job_after", "5m", "1m", "1d", "Idle time after which a job is revived"
    )


# ScrapeCreators publishes no concurrency limit; the original app sent a whole user-search page
# of profile calls (about 30) at once (README, "ScrapeCreators call limits"). 30 per process
# asks no more of the API than that; 10 per job makes a 30-creator page >= 10x faster than the
# original's one-at-a-time bios loop and leaves room for three jobs at full speed.
class PROCESSING:
    profile_concurrency = NumberKey(
        "processing.profile_concurrency",
        "10",
        "1",
        "50",
        "Concurrent profile calls per job step (at most scrapecreators_concurrency)",
    )
    scrapecreators_concurrency = NumberKey(
        "processing.scrapecreators_concurrency",
        "30",
        "1",
        "100",  # the service's HTTP client keeps at most 100 connections (httpx's default)
        "Concurrent ScrapeCreators calls per service process, all jobs together",
    )


class RETRIES:
    max_consecutive_failures = NumberKey(
        "retries.max_consecutive_failures", "5", "1", "100", "Failed attempts before a job errors"
    )


_KEEP_FOREVER = "; 0 keeps them forever"


class CLEANUP:
    completed_jobs_retention_days = NumberKey(
        "cleanup.completed_jobs_retention_days",
        "30",
        "0",
        "3650",
        "Days completed jobs and their results are kept" + _KEEP_FOREVER,
    )
    error_jobs_retention_days = NumberKey(
        "cleanup.error_jobs_retention_days",
        "7",
        "0",
        "3650",
        "Days failed jobs and their results are kept" + _KEEP_FOREVER,
    )
    timeout_jobs_retention_days = NumberKey(
        "cleanup.timeout_jobs_retention_days",
        "7",
        "0",
        "3650",
        "Days timed-out jobs and their results are kept" + _KEEP_FOREVER,
    )
    cancelled_jobs_retention_days = NumberKey(
        "cleanup.cancelled_jobs_retention_days",
        "7",
        "0",
        "3650",
        "Days cancelled jobs and their results are kept" + _KEEP_FOREVER,
    )


# target_results is a 32-bit column: this bound keeps every count far inside it.
TARGET_RESULTS_CEILING = "100000"


class LIMITS:
    target_results_min = NumberKey(
        "limits.target_results_min",
        "1",
        "1",
        TARGET_RESULTS_CEILING,
        "Smallest targetResults accepted (at most target_results_max)",
    )
    target_results_max = NumberKey(
        "limits.target_results_max",
        "1000",
        "1",
        TARGET_RESULTS_CEILING,
        "Largest targetResults accepted",
    )
    max_keywords = NumberKey("limits.max_keywords", "10", "1", "100", "Most keywords in one search")
    max_keyword_length = NumberKey(
        "limits.max_keyword_length", "100", "1", "1000", "Longest keyword accepted"
    )


_NAMESPACES = (API_LIMITS, QSTASH_DELAYS, TIMEOUTS, PROCESSING, RETRIES, CLEANUP, LIMITS)

KNOWN_KEYS: dict[str, ConfigKey[Any]] = {
    value.name: value
    for namespace in _NAMESPACES
    for value in vars(namespace).values()
    if isinstance(value, ConfigKey)
}

# Pairs (low, high) whose values must satisfy low <= high once a change is applied.
ORDERED_PAIRS: tuple[tuple[ConfigKey[Any], ConfigKey[Any]], ...] = (
    (LIMITS.target_results_min, LIMITS.target_results_max),
    (QSTASH_DELAYS.retry_base_delay, QSTASH_DELAYS.retry_max_delay),
    (PROCESSING.profile_concurrency, PROCESSING.scrapecreators_concurrency),
)
