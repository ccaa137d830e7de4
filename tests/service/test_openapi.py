"""/openapi.json: generated from the route table, it documents exactly what the service mounts."""

from __future__ import annotations

import io
from typing import Any

from tests.service.conftest import ServiceStack

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


async def _document(stack: ServiceStack) -> dict[str, Any]:
    response = await stack.client.get("/openapi.json")
    assert response.status == 200
    document: dict[str, Any] = await response.json()
    return document


def _parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", [])}


async def test_every_mounted_route_is_documented_and_nothing_else(stack: ServiceStack) -> None:
    document = await _document(stack)

    mounted = {
        (route.method.lower(), route.resource.canonical)
        for route in stack.app.router.routes()
        if route.resource is not None
    }
    documented = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }

    assert mounted == documented
    assert ("post", "/api/qstash/process-scraping") in documented


async def test_statuses_and_security_are_the_ones_the_service_answers(
    stack: ServiceStack,
) -> None:
    paths = (await _document(stack))["paths"]

    assert set(paths["/api/campaigns"]["post"]["responses"]) == {"201", "400", "401", "413", "415"}
    for open_path in ("/healthz", "/metrics", "/openapi.json"):
        assert paths[open_path]["get"]["security"] == []
    assert set(paths["/healthz"]["get"]["responses"]) == {"200", "503"}
    assert paths["/api/campaigns"]["get"]["security"] == [{"bearer": []}]
    assert set(paths["/api/admin/config"]["get"]["responses"]) == {"200", "401", "403"}
    webhook = paths["/api/qstash/process-scraping"]["post"]
    assert webhook["security"] == [{"upstashSignature": []}]
    assert {"401", "489"} <= set(webhook["responses"])
    for operations in paths.values():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    assert answer["content"]["application/json"]["schema"] == ERROR_REF


async def test_media_types_are_the_ones_the_service_sends(stack: ServiceStack) -> None:
    paths = (await _document(stack))["paths"]

    assert set(paths["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    csv = paths["/api/jobs/{id}/results.csv"]["get"]["responses"]["200"]["content"]
    assert set(csv) == {"text/csv"}


async def test_parameters_and_bodies_carry_the_constraints_enforced(stack: ServiceStack) -> None:
    document = await _document(stack)
    paths, schemas = document["paths"], document["components"]["schemas"]

    status = _parameters(paths["/api/scraping/tiktok"]["get"])
    assert status["jobId"]["required"] is True
    assert status["jobId"]["schema"]["format"] == "uuid"
    assert (status["limit"]["schema"]["minimum"], status["limit"]["schema"]["maximum"]) == (1, 1000)
    assert status["offset"]["schema"]["minimum"] == 0
    assert _parameters(paths["/api/campaigns/{id}"]["get"])["id"]["schema"]["format"] == "uuid"
    keywords = schemas["KeywordJobCreate"]["properties"]["keywords"]
    assert (keywords["minItems"], keywords["maxItems"]) == (1, 10)
    assert (keywords["items"]["minLength"], keywords["items"]["maxLength"]) == (1, 100)
    target = schemas["KeywordJobCreate"]["properties"]["targetResults"]["anyOf"]
    assert {"type": "integer", "minimum": 1, "maximum": 1000} in target
    similar = paths["/api/scraping/instagram"]["post"]["requestBody"]["content"]
    assert similar["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InstagramSimilarJobCreate"
    }
    assert "pattern" in schemas["InstagramSimilarJobCreate"]["properties"]["username"]
    put = paths["/api/admin/config"]["put"]["requestBody"]["content"]["application/json"]
    assert put["schema"] == {"$ref": "#/components/schemas/ConfigUpdate"}
    update = schemas["ConfigUpdate"]
    assert update["additionalProperties"] is False
    assert update["minProperties"] == 1
    assert "limits.max_keywords" in update["properties"]


async def test_the_document_follows_the_dynamic_limits(stack: ServiceStack) -> None:
    response = await stack.client.put(
        "/api/admin/config",
        json={"limits.max_keywords": 3, "limits.target_results_max": 50},
        headers=stack.auth("admin"),
    )
    assert response.status == 200, await response.text()

    schemas = (await _document(stack))["components"]["schemas"]

    assert schemas["KeywordJobCreate"]["properties"]["keywords"]["maxItems"] == 3
    keyword = schemas["KeywordJobCreate"]["properties"]["targetResults"]["anyOf"]
    assert {"type": "integer", "minimum": 1, "maximum": 50} in keyword
    similar = schemas["TikTokSimilarJobCreate"]["properties"]["targetResults"]["anyOf"]
    assert {"type": "integer", "minimum": 1, "maximum": 50} in similar


async def test_a_body_over_the_size_limit_is_the_documented_413(stack: ServiceStack) -> None:
    response = await stack.client.post(
        "/api/campaigns",
        data=io.BytesIO(b'{"name": "' + b"x" * (1024**2 + 1) + b'"}'),
        headers={**stack.auth(), "Content-Type": "application/json"},
    )

    assert response.status == 413
    assert "error" in await response.json()


async def test_undocumented_methods_are_a_405(stack: ServiceStack) -> None:
    response = await stack.client.head("/api/campaigns", headers=stack.auth())

    assert response.status == 405
    assert "GET" in response.headers["Allow"]


async def test_the_job_list_and_cancel_are_documented_with_their_errors(
    stack: ServiceStack,
) -> None:
    document = await _document(stack)
    paths, schemas = document["paths"], document["components"]["schemas"]

    listing = paths["/api/jobs"]["get"]
    params = _parameters(listing)
    assert set(params) == {"campaignId", "status", "kind", "limit", "cursor"}
    assert not any(param["required"] for param in params.values())
    assert params["campaignId"]["schema"]["format"] == "uuid"
    assert params["status"]["schema"] == {"$ref": "#/components/schemas/JobStatus"}
    assert "cancelled" in schemas["JobStatus"]["enum"]
    assert params["kind"]["schema"] == {"$ref": "#/components/schemas/JobKind"}
    limit = params["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 20)
    assert params["cursor"]["schema"]["pattern"] == "^[0-9a-f]{48}$"
    assert set(listing["responses"]) == {"200", "400", "401"}
    assert set(schemas["JobList"]["properties"]) == {"jobs", "nextCursor"}

    cancel = paths["/api/jobs/{id}/cancel"]["post"]
    assert set(cancel["responses"]) == {"200", "401", "404", "409"}
    assert cancel["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JobCancelled"
    }
    assert "messageCancelled" in schemas["JobCancelled"]["required"]
