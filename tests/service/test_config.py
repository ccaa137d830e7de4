"""Dynamic config: defaults, stored overrides, the 30 s cache, and the admin endpoints."""

from __future__ import annotations

import pytest

from service.clock import ManualClock
from service.config import DynamicConfig
from service.errors import BadRequest
from service.store import Store
from tests.service.conftest import ServiceStack


async def test_defaults_apply_until_a_value_is_stored(
    sqlite_store: Store, clock: ManualClock
) -> None:
    config = DynamicConfig(sqlite_store, clock)

    assert await config.number("api_limits.max_api_calls_for_testing") == 5
    assert await config.seconds("qstash_delays.tiktok_continuation_delay") == 2.0
    assert await config.seconds("timeouts.instagram_job_timeout") == 300.0

    await config.update({"api_limits.max_api_calls_for_testing": 7})
    assert await config.number("api_limits.max_api_calls_for_testing") == 7


async def test_values_written_elsewhere_show_after_the_cache_expires(
    sqlite_store: Store, clock: ManualClock
) -> None:
    config = DynamicConfig(sqlite_store, clock)
    other_instance = DynamicConfig(sqlite_store, clock)
    assert await config.seconds("timeouts.stalled_job_after") == 300.0

    await other_instance.update({"timeouts.stalled_job_after": "2m"})
    clock.advance(29)
    assert await config.seconds("timeouts.stalled_job_after") == 300.0
    clock.advance(1)
    assert await config.seconds("timeouts.stalled_job_after") == 120.0


async def test_a_bad_stored_row_falls_back_to_the_default(
    sqlite_store: Store, clock: ManualClock
) -> None:
    await sqlite_store.put_config(
        "processing", "profile_concurrency", value="lots", value_type="number", description=None
    )
    config = DynamicConfig(sqlite_store, clock)

    assert await config.number("processing.profile_concurrency") == 5


async def test_an_update_is_all_or_nothing(sqlite_store: Store, clock: ManualClock) -> None:
    config = DynamicConfig(sqlite_store, clock)

    with pytest.raises(BadRequest, match=r"^retries.max_consecutive_failures: expected"):
        await config.update({"limits.max_keywords": 3, "retries.max_consecutive_failures": "x"})

    assert await config.number("limits.max_keywords") == 10
    assert await sqlite_store.config_rows() == []


async def test_reading_a_key_as_the_wrong_type_is_a_programming_error(
    sqlite_store: Store, clock: ManualClock
) -> None:
    config = DynamicConfig(sqlite_store, clock)
    with pytest.raises(TypeError, match="is a duration"):
        await config.number("timeouts.standard_job_timeout")
    with pytest.raises(KeyError):
        await config.number("no.such_key")


async def test_admins_read_and_change_the_config(stack: ServiceStack) -> None:
    admin = stack.auth("admin")

    changed = await stack.client.put(
        "/api/admin/config",
        json={"timeouts.standard_job_timeout": "30m", "limits.max_keywords": 3},
        headers=admin,
    )
    listed = await (await stack.client.get("/api/admin/config", headers=admin)).json()

    assert changed.status == 200
    entries = {entry["key"]: entry for entry in listed["config"]}
    assert entries["timeouts.standard_job_timeout"] == {
        "key": "timeouts.standard_job_timeout",
        "value": "30m",
        "valueType": "duration",
        "default": "60m",
        "description": "Lifetime of a job before it times out",
        "overridden": True,
    }
    assert entries["limits.max_keywords"]["value"] == "3"
    assert entries["api_limits.max_api_calls_youtube"]["overridden"] is False


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"nope.key": 1}, "nope.key: unknown configuration key"),
        ({"timeouts.standard_job_timeout": "soon"}, "timeouts.standard_job_timeout: expected"),
        ({"limits.max_keywords": -2}, "limits.max_keywords: expected a non-negative integer"),
        ({}, "body: must be an object like"),
    ],
)
async def test_bad_config_changes_name_the_key(
    stack: ServiceStack, body: dict[str, object], error: str
) -> None:
    response = await stack.client.put("/api/admin/config", json=body, headers=stack.auth("admin"))

    assert response.status == 400
    assert (await response.json())["error"].startswith(error)


async def test_only_admins_see_the_config(stack: ServiceStack) -> None:
    read = await stack.client.get("/api/admin/config", headers=stack.auth("user-1"))
    write = await stack.client.put(
        "/api/admin/config", json={"limits.max_keywords": 1}, headers=stack.auth("user-1")
    )
    anonymous = await stack.client.get("/api/admin/config")

    assert (read.status, await read.json()) == (403, {"error": "admins only"})
    assert write.status == 403
    assert anonymous.status == 401
