"""The OpenAPI document, generated from the API's pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from service.api_models import (
    CampaignCreate,
    CampaignList,
    CampaignOut,
    CampaignWithJobs,
    ConfigOut,
    ErrorOut,
    JobCreated,
    JobStatusOut,
    KeywordJobCreate,
    SimilarJobCreate,
)
from service.creator import Creator

# (method, path, summary, request model, response model, query parameters)
Operation = tuple[str, str, str, type[BaseModel] | None, type[BaseModel] | None, list[str]]

KEYWORD_KINDS = ("tiktok", "youtube")
SIMILAR_KINDS = ("tiktok-similar", "instagram", "youtube-similar")
PAGING = ["offset", "limit"]

OPERATIONS: list[Operation] = [
    ("post", "/api/campaigns", "Create a campaign", CampaignCreate, CampaignOut, []),
    ("get", "/api/campaigns", "List your campaigns", None, CampaignList, []),
    ("get", "/api/campaigns/{id}", "A campaign with its jobs", None, CampaignWithJobs, []),
    *[
        ("post", f"/api/scraping/{k}", f"Start a {k} job", KeywordJobCreate, JobCreated, [])
        for k in KEYWORD_KINDS
    ],
    *[
        ("post", f"/api/scraping/{k}", f"Start a {k} job", SimilarJobCreate, JobCreated, [])
        for k in SIMILAR_KINDS
    ],
    *[
        (
            "get",
            f"/api/scraping/{k}",
            "Job status and results",
            None,
            JobStatusOut,
            ["jobId", *PAGING],
        )
        for k in KEYWORD_KINDS + SIMILAR_KINDS
    ],
    ("get", "/api/jobs/{id}/results.csv", "A job's creators as CSV", None, None, []),
    ("get", "/api/admin/config", "Dynamic configuration (admins)", None, ConfigOut, []),
    ("put", "/api/admin/config", "Change configuration values (admins)", None, ConfigOut, []),
    ("get", "/healthz", "Database and QStash reachability", None, None, []),
    ("get", "/metrics", "Prometheus metrics", None, None, []),
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(op: Operation) -> dict[str, Any]:
    _, path, summary, request, response, query = op
    spec: dict[str, Any] = {"summary": summary, "responses": {}}
    params = [
        {"name": name, "in": "query", "required": name == "jobId", "schema": {"type": "string"}}
        for name in query
    ]
    if "{id}" in path:
        params.append({"name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
    if params:
        spec["parameters"] = params
    if request is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(request)}},
        }
    ok: dict[str, Any] = {"description": "OK"}
    if response is not None:
        ok["content"] = {"application/json": {"schema": _ref(response)}}
    spec["responses"]["200"] = ok
    spec["responses"]["4XX"] = {
        "description": "Bad input, unauthenticated, forbidden or not found",
        "content": {"application/json": {"schema": _ref(ErrorOut)}},
    }
    return spec


def build_openapi() -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorOut, Creator}
    models |= {m for op in OPERATIONS for m in (op[3], op[4]) if m is not None}
    mode: Literal["validation", "serialization"] = "validation"
    _, schemas = models_json_schema(
        [(m, mode) for m in sorted(models, key=lambda m: m.__name__)],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op[1], {})[op[0]] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "creator-scout", "version": "0.1.0"},
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(build_openapi())
