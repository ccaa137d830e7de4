"""The OpenAPI document, built from the route table and the models the handlers validate with."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from service.api.models import ErrorOut
from service.config.defaults import LIMITS
from service.config.dynamic import DynamicConfig
from service.jobs.creator import Creator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON = "application/json"


class Auth(StrEnum):
    """Who may call a route."""

    NONE = "none"
    USER = "user"  # any authenticated caller (Bearer)
    ADMIN = "admin"  # a caller listed in ADMIN_USER_IDS (Bearer)
    QSTASH = "qstash"  # QStash itself: the body is signed (Upstash-Signature), no bearer


@dataclass(frozen=True, slots=True)
class Route:
    """One operation: how it is mounted and everything the document says about it."""

    method: str
    path: str
    handler: Handler
    summary: str
    auth: Auth
    body: type[BaseModel] | None = None  # a JSON request body, validated with this model
    query: type[BaseModel] | None = None  # query parameters, validated with this model
    headers: tuple[HeaderParam, ...] = ()
    status: int = 200
    response: type[BaseModel] | None = None  # a JSON success body of this model
    content_type: str = JSON  # the success body's media type when there is no model
    # A text/event-stream success: each event's `data` is this model as JSON.
    stream_event: type[BaseModel] | None = None
    # Statuses the handler itself answers beyond those implied by auth, body and query.
    errors: tuple[int, ...] = ()
    # Other non-error answers, e.g. 503 from /healthz, with their body model.
    other: dict[int, type[BaseModel]] = field(default_factory=dict)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def error_statuses(self) -> list[int]:
        statuses = set(self.errors)
        if self.auth in (Auth.USER, Auth.ADMIN):
            statuses.add(401)
        if self.auth is Auth.ADMIN:
            statuses.add(403)
        if self.auth is Auth.QSTASH:
            statuses |= {400, 401}
        if self.body is not None:
            statuses |= {400, 413}
            if self.auth is not Auth.QSTASH:
                statuses.add(415)  # JSON bodies must say so (QStash forwards what was published)
        if self.query is not None:
            statuses.add(400)
        if self.path_params:
            statuses.add(404)  # a malformed id cannot name anything: not found, like a missing one
        return sorted(statuses)


@dataclass(frozen=True, slots=True)
class HeaderParam:
    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Limits:
    """The dynamic `limits.*` values the job handlers enforce inside the models' hard bounds."""

    max_keywords: int = LIMITS.max_keywords.default_value
    max_keyword_length: int = LIMITS.max_keyword_length.default_value
    target_results_min: int = LIMITS.target_results_min.default_value
    target_results_max: int = LIMITS.target_results_max.default_value

    @classmethod
    async def read(cls, config: DynamicConfig) -> Limits:
        return cls(
            max_keywords=await config.get(LIMITS.max_keywords),
            max_keyword_length=await config.get(LIMITS.max_keyword_length),
            target_results_min=await config.get(LIMITS.target_results_min),
            target_results_max=await config.get(LIMITS.target_results_max),
        )


REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad input (the message names the field)",
    401: "Missing or invalid credentials",
    403: "Admins only",
    404: "Not found (or not yours)",
    405: "Method not allowed",
    409: "Conflicts with the current state (the message says which; Retry-After when it will pass)",
    413: "Body larger than the server accepts",
    415: "Body is not application/json",
    489: "Undeliverable message: QStash must not retry (Upstash-NonRetryable-Error: true)",
    502: "QStash did not take the job's first message",
    503: "A dependency is unreachable",
}
SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    Auth.NONE: [],
    Auth.USER: [{"bearer": []}],
    Auth.ADMIN: [{"bearer": []}],
    Auth.QSTASH: [{"upstashSignature": []}],
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A JWT from the identity provider (AUTH_MODE=jwt) or `dev:<userId>` "
        "(AUTH_MODE=dev, local development only).",
    },
    "upstashSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "Upstash-Signature",
        "description": "QStash's HS256 JWT over the body and the URL; only QStash calls these.",
    },
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _content(media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {media_type: {"schema": schema}}


def _event_schema(model: type[BaseModel]) -> dict[str, Any]:
    """One Server-Sent Event (the Open API 3.2 reading: fields as strings, `data` as JSON)."""
    return {
        "type": "object",
        "required": ["id", "event", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "event": {"type": "string", "enum": ["progress", "end"]},
            "data": {
                "type": "string",
                "contentMediaType": JSON,
                "contentSchema": _ref(model),
            },
        },
    }


def _success_schema(route: Route) -> dict[str, Any]:
    if route.stream_event is not None:
        return _content(route.content_type, _event_schema(route.stream_event))
    if route.response is not None:
        return _content(JSON, _ref(route.response))
    if route.content_type == JSON:
        return _content(JSON, {"type": "object"})
    return _content(route.content_type, {"type": "string"})


def _parameters(route: Route, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
        }
        for name in route.path_params
    ]
    if route.query is not None:
        # Query parameters are the query model's properties, constraints and all.
        model = schemas[route.query.__name__]
        required = set(model.get("required", []))
        for name, schema in model["properties"].items():
            schema = {k: v for k, v in schema.items() if k != "title"}
            params.append(
                {"name": name, "in": "query", "required": name in required, "schema": schema}
            )
    for header in route.headers:
        params.append(
            {
                "name": header.name,
                "in": "header",
                "required": False,
                "description": header.description,
                "schema": header.schema,
            }
        )
    return params


def _operation(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"summary": route.summary, "security": SECURITY[route.auth]}
    if params := _parameters(route, schemas):
        spec["parameters"] = params
    if route.body is not None:
        spec["requestBody"] = {"required": True, "content": _content(JSON, _ref(route.body))}
    responses: dict[str, Any] = {
        str(route.status): {
            "description": REASONS[route.status],
            "content": _success_schema(route),
        }
    }
    for status, model in route.other.items():
        responses[str(status)] = {
            "description": REASONS[status],
            "content": _content(JSON, _ref(model)),
        }
    for status in route.error_statuses:
        answer: dict[str, Any] = {
            "description": REASONS[status],
            "content": _content(JSON, _ref(ErrorOut)),
        }
        if status == 489:
            answer["headers"] = {
                "Upstash-NonRetryable-Error": {"schema": {"type": "string", "enum": ["true"]}}
            }
        responses[str(status)] = answer
    spec["responses"] = responses
    return spec


def _apply_limits(schemas: dict[str, Any], limits: Limits) -> None:
    """Show the job bodies' dynamic limits in force right now.

    The `limits.*` keys can never exceed the models' hard bounds (their ranges end there), so
    the values in force are always the tighter ones: any request inside the document is
    accepted, any outside it rejected. It is rebuilt on every request, so it follows an
    admin's changes at once.
    """
    for name, schema in schemas.items():
        if not name.endswith("JobCreate"):
            continue
        target = schema["properties"]["targetResults"]
        for alternative in target.get("anyOf", [target]):
            if alternative.get("type") == "integer":
                alternative.update(
                    minimum=limits.target_results_min, maximum=limits.target_results_max
                )
        keywords = schema["properties"].get("keywords")
        if keywords is not None:
            keywords["maxItems"] = limits.max_keywords
            keywords["items"]["maxLength"] = limits.max_keyword_length


def _schemas(routes: Sequence[Route]) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorOut, Creator}
    for route in routes:
        models |= {m for m in (route.body, route.query, route.response, route.stream_event) if m}
        models |= set(route.other.values())
    mode: Literal["validation", "serialization"] = "validation"
    _, schemas = models_json_schema(
        [(m, mode) for m in sorted(models, key=lambda m: m.__name__)],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    defs: dict[str, Any] = schemas.get("$defs", {})
    return defs


def build_openapi(routes: Sequence[Route], limits: Limits | None = None) -> dict[str, Any]:
    schemas = _schemas(routes)
    _apply_limits(schemas, limits or Limits())
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, schemas)
    # Query models are inlined as parameters; they are no request or response body.
    for route in routes:
        if route.query is not None:
            schemas.pop(route.query.__name__, None)
    return {
        "openapi": "3.1.0",
        "info": {"title": "creator-scout", "version": "0.1.0"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
        "security": [{"bearer": []}],
    }
