"""Request helpers for handlers: the caller, a validated JSON body, query and path ids."""

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


def query(request: web.Request, model: type[ModelT]) -> ModelT:
    """The query string as `model` (first value of a repeated name); 400 naming the parameter."""
    values = {name: request.query.getone(name) for name in request.query}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise field_error(error) from None


def path_id(request: web.Request, name: str = "id") -> UUID:
    """An id in the path; a malformed one cannot exist, so it is a 404 like a missing one."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise NotFound("not found") from None
