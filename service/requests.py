"""Request helpers for handlers: the caller, a validated JSON body, ids and paging."""

from __future__ import annotations

import json
from typing import Any, TypeVar
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ValidationError

from service.auth import Principal
from service.errors import BadRequest, Forbidden, NotFound, field_error
from service.keys import AUTH

ModelT = TypeVar("ModelT", bound=BaseModel)


async def current_user(request: web.Request) -> Principal:
    """The authenticated caller (401 JSON otherwise)."""
    return await request.app[AUTH].authenticate(request.headers.get("Authorization"))


async def current_admin(request: web.Request) -> Principal:
    principal = await current_user(request)
    if not principal.is_admin:
        raise Forbidden("admins only")
    return principal


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is not one."""
    try:
        data: Any = json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body: must be valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body: must be a JSON object")
    return data


async def json_body(request: web.Request, model: type[ModelT]) -> ModelT:
    """Parse the body as `model`; 400 naming the field when it does not fit."""
    data = await json_object(request)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise field_error(error) from None


def uuid_param(value: str | None, name: str, *, missing: str = "is required") -> UUID:
    """A UUID from a query value or body field; 400 naming it when missing or malformed."""
    if not value:
        raise BadRequest(f"{name}: {missing}")
    try:
        return UUID(value)
    except ValueError:
        raise BadRequest(f"{name}: must be a UUID") from None


def path_id(request: web.Request, name: str = "id") -> UUID:
    """An id in the path; a malformed one cannot exist, so it is a 404 like a missing one."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise NotFound("not found") from None


def int_query(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}: must be an integer") from None
    if not low <= value <= high:
        raise BadRequest(f"{name}: must be between {low} and {high}")
    return value
