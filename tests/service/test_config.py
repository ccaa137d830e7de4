"""Dynamic config: defaults, stored overrides, ranges, the 30 s cache, and the admin endpoints."""

from __future__ import annotations

import pytest

from service.clock import ManualClock
from service.config.defaults import API_LIMITS, LIMITS, PROCESSING, QSTASH_DELAYS, TIMEOUTS
from service.config.dynamic import DynamicConfig
from service.config.values import NumberKey
from service.errors import InvalidInput
from service.store import NewConfig, Store
from tests.service.conftest import ServiceStack

ADMIN_CONFIG = "/api/admin/config"

# Every key the service reads; anything else is gone from the admin API.
LIVE_KEYS = {
    "api_limits.max_api_calls_for_testing",
    "api_limits.max_api_calls_tiktok_similar",
    "api_limits.max_api_calls_youtube",
    "api_limits.max_api_calls_youtube_similar",
    "qstash_delays.tiktok_continuation_delay",
    "qstash_delays.youtube_continuation_delay",
    "qstash_delays.retry_base_delay",
    "qstash_delays.retry_max_delay",
    "timeouts.standard_job_timeout",
    "timeouts.instagram_job_timeout",
    "timeouts.stalled_job_after",
    "processing.profile_concurrency",
    "processing.scrapecreators_concurrency",
    "retries.max_consecutive_failures",
    "cleanup.completed_jobs_retention_days",
    "cleanup.error_jobs_retention_days",
    "cleanup.timeout_jobs_retention_days",
    "cleanup.cancelled_jobs_retention_days",
    "limits.target_results_min",
    "limits.target_results_max",
    "limits.max_keywords",
    "limits.max_keyword_length",
}


def row(name: str, value: str, value_type: str = "number") -> NewConfig:
    category, key = name.split(".", 1)
    return NewConfig(category, key, value=value, value_type=value_type, description=None)


async def test_defaults_apply_until_a_value_is_stored(
    sqlite_store: Store, clock: ManualClock
) -> None:
    config = DynamicConfig(sqlite_store, clock)

    assert await config.get(API_LIMITS.max_api_calls_for_testing) == 5
    assert await config.get(QSTASH_DELAYS.tiktok_continuation_delay) == 2.0
    assert await config.get(TIMEOUTS.instagram_job_timeout) == 300.0

    await config.update({"api_limits.max_api_calls_for_testing": 7})
    assert await config.get(API_LIMITS.max_api_calls_for_testing) == 7


async def test_values_written_elsewhere_show_after_the_cache_expires(
    sqlite_store: Store, clock: ManualClock
) -> None:
    config = DynamicConfig(sqlite_store, clock)
    other_instance = DynamicConfig(sqlite_store, clock)
    assert await config.get(TIMEOUTS.stalled_job_after) == 300.0

    await other_instance.update({"timeouts.stalled_job_after": "2m"})
    clock.advance(29)
    assert await config.get(TIMEOUTS.stalled_job_after) == 300.0
    clock.advance(1)
    assert await config.get(TIMEOUTS.stalled_job_after) == 120.0


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("processing.profile_concurrency", "lots"),  # not a number
        ("processing.profile_concurrency", "100000"),  # a number, but out of range
        ("timeouts.standard_job_timeout", "99999999999d"),
    ],
)
async def test_a_bad_or_out_of_range_stored_row_falls_back_to_the_default(
    sqlite_store: Store,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    name: str,
    stored: str,
) -> None:
    await sqlite_store.put_configs([row(name, stored)])
    config = DynamicConfig(sqlite_store, clock)

    assert await config.get(PROCESSING.profile_concurrency) == 10
    assert await config.get(TIMEOUTS.standard_job_timeout) == 3600.0
    assert "config_value_ignored" in [record.getMessage() for record in caplog.records]


async def test_stored_bounds_in_the_wrong_order_both_fall_back(
    sqlite_store: Store, clock: ManualClock
) -> None:
    # Each row is in range alone: two instances could each have written one.
    await sqlite_store.put_configs(
        [row("limits.target_results_min", "500"), row("limits.target_results_max", "200")]
    )
    config = DynamicConfig(sqlite_store, clock)

    assert await config.get(LIMITS.target_results_min) == 1
    assert await config.get(LIMITS.target_results_max) == 1000


async def test_an_update_is_all_or_nothing(sqlite_store: Store, clock: ManualClock) -> None:
    config = DynamicConfig(sqlite_store, clock)

    with pytest.raises(InvalidInput, match=r"^retries.max_consecutive_failures: expected"):
        await config.update({"limits.max_keywords": 3, "retries.max_consecutive_failures": "x"})

    assert await config.get(LIMITS.max_keywords) == 10
    assert await sqlite_store.config_rows() == []


async def test_only_registered_keys_are_read(sqlite_store: Store, clock: ManualClock) -> None:
    config = DynamicConfig(sqlite_store, clock)
    lookalike = NumberKey("limits.max_keywords", "10", "1", "100", "not the registered one")

    with pytest.raises(KeyError, match="not a registered configuration key"):
        await config.get(lookalike)


async def test_admins_read_and_change_the_config(stack: ServiceStack) -> None:
    admin = stack.auth("admin")

    changed = await stack.client.put(
        ADMIN_CONFIG,
        json={"timeouts.standard_job_timeout": "30m", "limits.max_keywords": 3},
        headers=admin,
    )
    listed = await (await stack.client.get(ADMIN_CONFIG, headers=admin)).json()

    assert changed.status == 200
    entries = {entry["key"]: entry for entry in listed["config"]}
    assert entries["timeouts.standard_job_timeout"] == {
        "key": "timeouts.standard_job_timeout",
        "value": "30m",
        "valueType": "duration",
        "default": "60m",
        "description": "Lifetime of a job before it times out",
        "overridden": True,
        "min": "1m",
        "max": "7d",
    }
    assert entries["limits.max_keywords"]["value"] == "3"
    assert (entries["limits.max_keywords"]["min"], entries["limits.max_keywords"]["max"]) == (
        "1",
        "100",
    )
    assert entries["api_limits.max_api_calls_youtube"]["overridden"] is False


async def test_the_admin_api_offers_only_keys_the_service_reads(stack: ServiceStack) -> None:
    # A row left from an older version, for a key that did nothing, is not offered again.
    await stack.store.put_configs([row("polling.ui_refresh_delay", "2000")])
    admin = stack.auth("admin")

    listed = await (await stack.client.get(ADMIN_CONFIG, headers=admin)).json()
    refused = await stack.client.put(ADMIN_CONFIG, json={"cache.batch_size": 5}, headers=admin)

    assert {entry["key"] for entry in listed["config"]} == LIVE_KEYS
    assert refused.status == 400
    assert (await refused.json())["error"] == "cache.batch_size: unknown configuration key"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"nope.key": 1}, "nope.key: unknown configuration key"),
        ({"polling.ui_refresh_delay": 1000}, "polling.ui_refresh_delay: unknown configuration key"),
        ({"timeouts.standard_job_timeout": "soon"}, "timeouts.standard_job_timeout: expected"),
        ({"limits.max_keywords": -2}, "limits.max_keywords: expected a non-negative integer"),
        ({"limits.max_keywords": 2.5}, "limits.max_keywords: expected a string or an integer"),
        ({"limits.max_keywords": True}, "limits.max_keywords: expected a string or an integer"),
        ({}, "body: must be an object like"),
    ],
)
async def test_bad_config_changes_name_the_key(
    stack: ServiceStack, body: dict[str, object], error: str
) -> None:
    response = await stack.client.put(ADMIN_CONFIG, json=body, headers=stack.auth("admin"))

    assert response.status == 400
    assert (await response.json())["error"].startswith(error)


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        (
            "timeouts.standard_job_timeout",
            "99999999999d",
            "timeouts.standard_job_timeout: must be between 1m and 7d, got 99999999999d",
        ),
        (
            "limits.target_results_max",
            "99999999999999999999999",
            "limits.target_results_max: must be between 1 and 100000, got 99999999999999999999999",
        ),
        (
            "limits.target_results_max",
            99999999999999999999999,
            "limits.target_results_max: must be between 1 and 100000, got 99999999999999999999999",
        ),
        (
            "qstash_delays.tiktok_continuation_delay",
            "99999999999d",
            "qstash_delays.tiktok_continuation_delay: must be between 0s and 7d, got 99999999999d",
        ),
        (
            "timeouts.stalled_job_after",
            "5s",
            "timeouts.stalled_job_after: must be between 1m and 1d, got 5s",
        ),
        (
            "processing.profile_concurrency",
            0,
            "processing.profile_concurrency: must be between 1 and 50, got 0",
        ),
        (
            "limits.max_keywords",
            "9" * 5000,
            "limits.max_keywords: must be between 1 and 100, got " + "9" * 40 + "…",
        ),
    ],
)
async def test_a_value_out_of_range_is_a_400_and_changes_nothing(
    stack: ServiceStack, name: str, value: object, error: str
) -> None:
    admin = stack.auth("admin")

    response = await stack.client.put(
        ADMIN_CONFIG, json={"limits.max_keywords": 3, name: value}, headers=admin
    )

    assert (response.status, await response.json()) == (400, {"error": error})
    assert await stack.store.config_rows() == []
    # Jobs are still created (the out-of-range timeout made this a 500).
    created = await stack.client.post(
        "/api/scraping/tiktok",
        json={"campaignId": await stack.campaign(), "keywords": ["baking"], "targetResults": 50},
        headers=stack.auth(),
    )
    assert created.status == 200, await created.text()


async def test_the_bounds_of_target_results_stay_in_order(stack: ServiceStack) -> None:
    admin = stack.auth("admin")

    too_high_min = await stack.client.put(
        ADMIN_CONFIG, json={"limits.target_results_min": 2000}, headers=admin
    )
    both = await stack.client.put(
        ADMIN_CONFIG,
        json={"limits.target_results_min": 2000, "limits.target_results_max": 5000},
        headers=admin,
    )
    too_low_max = await stack.client.put(
        ADMIN_CONFIG, json={"limits.target_results_max": 1999}, headers=admin
    )

    assert (too_high_min.status, await too_high_min.json()) == (
        400,
        {
            "error": "limits.target_results_min: must be at most limits.target_results_max "
            "(1000), got 2000"
        },
    )
    assert both.status == 200
    assert (too_low_max.status, await too_low_max.json()) == (
        400,
        {
            "error": "limits.target_results_max: must be at least limits.target_results_min "
            "(2000), got 1999"
        },
    )
    listed = await (await stack.client.get(ADMIN_CONFIG, headers=admin)).json()
    values = {entry["key"]: entry["value"] for entry in listed["config"]}
    assert (values["limits.target_results_min"], values["limits.target_results_max"]) == (
        "2000",
        "5000",
    )


async def test_the_retry_backoff_bounds_stay_in_order(stack: ServiceStack) -> None:
    response = await stack.client.put(
        ADMIN_CONFIG, json={"qstash_delays.retry_base_delay": "10m"}, headers=stack.auth("admin")
    )

    assert (response.status, await response.json()) == (
        400,
        {
            "error": "qstash_delays.retry_base_delay: must be at most "
            "qstash_delays.retry_max_delay (5m), got 10m"
        },
    )


async def test_the_per_job_call_limit_stays_within_the_per_process_one(
    stack: ServiceStack,
) -> None:
    admin = stack.auth("admin")

    above = await stack.client.put(
        ADMIN_CONFIG, json={"processing.profile_concurrency": 31}, headers=admin
    )
    below = await stack.client.put(
        ADMIN_CONFIG, json={"processing.scrapecreators_concurrency": 9}, headers=admin
    )
    both = await stack.client.put(
        ADMIN_CONFIG,
        json={"processing.scrapecreators_concurrency": 4, "processing.profile_concurrency": 4},
        headers=admin,
    )

    assert (above.status, await above.json()) == (
        400,
        {
            "error": "processing.profile_concurrency: must be at most "
            "processing.scrapecreators_concurrency (30), got 31"
        },
    )
    assert (below.status, await below.json()) == (
        400,
        {
            "error": "processing.scrapecreators_concurrency: must be at least "
            "processing.profile_concurrency (10), got 9"
        },
    )
    assert both.status == 200


async def test_stored_call_limits_in_the_wrong_order_both_fall_back(
    sqlite_store: Store, clock: ManualClock
) -> None:
    await sqlite_store.put_configs(
        [
            row("processing.profile_concurrency", "40"),
            row("processing.scrapecreators_concurrency", "20"),
        ]
    )
    config = DynamicConfig(sqlite_store, clock)

    assert await config.get(PROCESSING.profile_concurrency) == 10
    assert await config.get(PROCESSING.scrapecreators_concurrency) == 30


async def test_only_admins_see_the_config(stack: ServiceStack) -> None:
    read = await stack.client.get(ADMIN_CONFIG, headers=stack.auth("user-1"))
    write = await stack.client.put(
        ADMIN_CONFIG, json={"limits.max_keywords": 1}, headers=stack.auth("user-1")
    )
    anonymous = await stack.client.get(ADMIN_CONFIG)

    assert (read.status, await read.json()) == (403, {"error": "admins only"})
    assert write.status == 403
    assert anonymous.status == 401
