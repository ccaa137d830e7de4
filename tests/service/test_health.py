"""Operational endpoints: /healthz, /metrics and /openapi.json."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from service.clock import ManualClock
from service.store import Store
from tests.service.conftest import ServiceStack, service_stack


async def test_healthz_reports_both_dependencies(stack: ServiceStack) -> None:
    response = await stack.client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "qstash": "ok"}


async def test_healthz_says_when_qstash_refuses(sqlite_store: Store, clock: ManualClock) -> None:
    async with service_stack(sqlite_store, clock, QSTASH_TOKEN="wrong") as stack:
        response = await stack.client.get("/healthz")
        body = await response.json()

    assert response.status == 503
    assert body == {"status": "degraded", "database": "ok", "qstash": "HTTP 401"}


async def test_healthz_says_when_the_database_is_gone(tmp_path: Path, clock: ManualClock) -> None:
    unopenable = Store.open(f"sqlite:///{tmp_path}", clock)  # a directory is not a database
    try:
        async with service_stack(unopenable, clock) as stack:
            response = await stack.client.get("/healthz")
            body = await response.json()
    finally:
        await unopenable.close()

    assert response.status == 503
    assert body["database"] == "unreachable: OperationalError"
    assert body["qstash"] == "ok"


async def test_metrics_count_jobs_by_status(stack: ServiceStack) -> None:
    campaign = await stack.campaign()
    for _ in range(2):
        await stack.client.post(
            "/api/scraping/tiktok",
            json={"keywords": ["a"], "campaignId": campaign},
            headers=stack.auth(),
        )

    response = await stack.client.get("/metrics")
    families = {f.name: f for f in text_string_to_metric_families(await response.text())}

    assert response.status == 200
    jobs = {s.labels["status"]: s.value for s in families["scout_jobs"].samples}
    assert jobs == {
        "pending": 2,
        "processing": 0,
        "completed": 0,
        "error": 0,
        "timeout": 0,
        "cancelled": 0,
    }
    created = [s for s in families["scout_jobs_created"].samples if s.name.endswith("_total")]
    assert [(s.labels["kind"], s.value) for s in created] == [("tiktok_keyword", 2.0)]
    for name in (
        "scout_step_duration_seconds",
        "scout_scrapecreators_calls",
        "scout_signature_failures",
    ):
        assert name in families


async def test_openapi_describes_the_api_from_the_models(stack: ServiceStack) -> None:
    response = await stack.client.get("/openapi.json")
    document = await response.json()

    assert response.status == 200
    assert document["openapi"].startswith("3.")
    create = document["paths"]["/api/scraping/tiktok"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/KeywordJobCreate"
    }
    schemas = document["components"]["schemas"]
    assert {"keywords", "targetResults", "campaignId"} <= set(
        schemas["KeywordJobCreate"]["properties"]
    )
    assert "profileUrl" in schemas["Creator"]["properties"]
