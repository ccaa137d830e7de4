"""The known dynamic-config keys and their defaults (reference §13.2 plus the service's own)."""

from __future__ import annotations

from service.config_values import ConfigKey, ValueType

N, D = ValueType.NUMBER, ValueType.DURATION

_KEYS = [
    ConfigKey("api_limits.max_api_calls_for_testing", N, "5", "TikTok keyword searches per job"),
    ConfigKey("api_limits.max_api_calls_tiktok", N, "1", "TikTok searches per job (legacy)"),
    ConfigKey("api_limits.max_api_calls_tiktok_similar", N, "1", "TikTok user searches per job"),
    ConfigKey("api_limits.max_api_calls_instagram_similar", N, "5", "Instagram calls per job"),
    ConfigKey("api_limits.max_api_calls_youtube", N, "20", "YouTube searches per job"),
    ConfigKey("api_limits.max_api_calls_youtube_similar", N, "3", "YouTube similar searches"),
    ConfigKey("qstash_delays.tiktok_continuation_delay", D, "2s", "Delay between TikTok steps"),
    ConfigKey("qstash_delays.instagram_reels_delay", D, "30s", "Instagram reels step delay"),
    ConfigKey("qstash_delays.instagram_similar_delay", D, "5s", "Delay between Instagram steps"),
    ConfigKey("qstash_delays.youtube_continuation_delay", D, "5s", "Delay between YouTube steps"),
    ConfigKey("qstash_delays.retry_base_delay", D, "5s", "First backoff after a retryable failure"),
    ConfigKey("qstash_delays.retry_max_delay", D, "5m", "Longest backoff after failures"),
    ConfigKey("timeouts.standard_job_timeout", D, "60m", "Lifetime of a job before it times out"),
    ConfigKey("timeouts.instagram_job_timeout", D, "300s", "Lifetime of an Instagram job"),
    ConfigKey("timeouts.cleanup_timeout_hours", D, "24h", "Age after which stale jobs are cleaned"),
    ConfigKey("timeouts.stalled_job_after", D, "5m", "Idle time after which a job is revived"),
    ConfigKey("polling.frontend_status_check_interval", N, "5000", "UI status poll (ms)"),
    ConfigKey("polling.campaign_status_interval", N, "3000", "UI campaign poll (ms)"),
    ConfigKey("polling.ui_refresh_delay", N, "2000", "UI refresh delay (ms)"),
    ConfigKey("cache.image_cache_success_duration", N, "3600", "Image cache lifetime (s)"),
    ConfigKey("cache.image_cache_placeholder_duration", N, "300", "Placeholder cache lifetime (s)"),
    ConfigKey("processing.batch_processing_delay", N, "50", "Pause between batches (ms)"),
    ConfigKey("processing.batch_size", N, "5", "Creators per processing batch"),
    ConfigKey("processing.profile_concurrency", N, "5", "Concurrent profile calls per step"),
    ConfigKey("retries.max_consecutive_failures", N, "5", "Failed attempts before a job errors"),
    ConfigKey("cleanup.completed_jobs_retention_days", N, "30", "Days completed jobs are kept"),
    ConfigKey("cleanup.error_jobs_retention_days", N, "7", "Days failed jobs are kept"),
    ConfigKey("cleanup.cancelled_jobs_retention_days", N, "7", "Days cancelled jobs are kept"),
    ConfigKey("cleanup.timeout_jobs_retention_days", N, "7", "Days timed-out jobs are kept"),
    ConfigKey("limits.target_results_min", N, "1", "Smallest targetResults accepted"),
    ConfigKey("limits.target_results_max", N, "1000", "Largest targetResults accepted"),
    ConfigKey("limits.max_keywords", N, "10", "Most keywords in one search"),
    ConfigKey("limits.max_keyword_length", N, "100", "Longest keyword accepted"),
]

KNOWN_KEYS: dict[str, ConfigKey] = {key.name: key for key in _KEYS}
