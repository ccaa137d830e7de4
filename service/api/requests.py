"""Request helpers for handlers: the caller, a validated JSON body, query and path ids."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ValidationError

from service.api.auth import Principal
from service.api.errors import field_error
from service.api.json_input import MAX_BODY_BYTES, parse_json_object
from service.api.safe_text import text_problem
from service.errors import InputTooLarge, NotAuthenticated, NotFound, NotPermitted
from service.keys import PARTS

ModelT = TypeVar("ModelT", bound=BaseModel)


async def current_user(request: web.Request) -> Principal:
    """The authenticated caller (401 JSON otherwise)."""
    authorization = request.headers.get("Authorization")
    # Undecodable bytes arrive as lone surrogates: no store can keep them as a user id.
    problem = None if authorization is None else text_problem(authorization)
    if problem is not None:
        raise NotAuthenticated(f"Authorization: {problem}")
    return await request.app[PARTS].auth.authenticate(authorization)


async def current_admin(request: web.Request) -> Principal:
    principal = await current_user(request)
    if not principal.is_admin:
        raise NotPermitted("admins only")
    return principal


async def read_body(request: web.Request) -> bytes:
    """The raw body, at most MAX_BODY_BYTES; 413 naming `body` beyond that."""
    too_large = InputTooLarge(f"body: must be at most {MAX_BODY_BYTES} bytes")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:  # a chunked body past aiohttp's own limit
        raise too_large from None
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    return raw


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 400 naming `body` when it is not one."""
    return parse_json_object(await read_body(request))


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
