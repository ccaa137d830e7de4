"""Domain errors that know their HTTP shape, and the middleware that renders them as JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from service.logs import get_logger

log = get_logger("service.errors")


class ServiceError(Exception):
    """An error a client should see: rendered as `{"error": message}` with `status`."""

    status = 500
    headers: Mapping[str, str] = MappingProxyType({})

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class PayloadTooLarge(ServiceError):
    status = 413


class BadGateway(ServiceError):
    status = 502


# QStash's own contract: this status with this header means "never retry this message".
NON_RETRYABLE_STATUS = 489
NON_RETRYABLE_HEADER = "Upstash-NonRetryable-Error"


class NonRetryable(ServiceError):
    """A QStash delivery that can never succeed: QStash fails it at once instead of retrying."""

    status = NON_RETRYABLE_STATUS
    headers = MappingProxyType({NON_RETRYABLE_HEADER: "true"})


def field_error(error: ValidationError) -> BadRequest:
    """Turn pydantic's first complaint into `"<field>: <reason>"`."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    reason = str(first["msg"]).removeprefix("Value error, ")
    return BadRequest(f"{field}: {reason}")


def json_error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ServiceError as error:
        response = json_error(error.status, error.message)
        response.headers.update(error.headers)
        return response
    except ValidationError as error:
        bad = field_error(error)
        return json_error(bad.status, bad.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise  # redirects and 2xx raised as exceptions keep aiohttp's handling
        message = {404: "not found", 405: "method not allowed"}.get(error.status, error.reason)
        response = json_error(error.status, message)
        if error.status == 405 and "Allow" in error.headers:
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except Exception:
        log.exception("unhandled_error", method=request.method, path=request.path)
        return json_error(500, "internal server error")
