"""The HTTP edge of errors: each domain error's status and headers, rendered as JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from service.errors import (
    Conflict,
    InputTooLarge,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    ServiceError,
    Unavailable,
    Undeliverable,
    UpstreamFailed,
)
from service.logs import get_logger

log = get_logger("service.api.errors")

# QStash's own contract: this status with this header means "never retry this message".
NON_RETRYABLE_STATUS = 489
NON_RETRYABLE_HEADER = "Upstash-NonRetryable-Error"


class UnsupportedMediaType(ServiceError):
    """A body sent as anything but JSON (raised by the routes only: it is about HTTP itself)."""


STATUSES: dict[type[ServiceError], int] = {
    InvalidInput: 400,
    NotAuthenticated: 401,
    NotPermitted: 403,
    NotFound: 404,
    Conflict: 409,
    InputTooLarge: 413,
    UnsupportedMediaType: 415,
    Undeliverable: NON_RETRYABLE_STATUS,
    UpstreamFailed: 502,
    Unavailable: 503,
}


def status_of(error: ServiceError) -> int:
    """The status of the nearest mapped kind in the error's class hierarchy (500 if none)."""
    for kind in type(error).__mro__:
        if kind in STATUSES:
            return STATUSES[kind]
    return 500


def field_error(error: ValidationError) -> InvalidInput:
    """Turn pydantic's first complaint into `"<field>: <reason>"`."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    reason = str(first["msg"]).removeprefix("Value error, ")
    return InvalidInput(f"{field}: {reason}")


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def error_response(error: ServiceError) -> web.Response:
    response = json_error(status_of(error), error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Undeliverable):
        response.headers[NON_RETRYABLE_HEADER] = "true"
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ServiceError as error:
        return error_response(error)
    except ValidationError as error:
        return error_response(field_error(error))
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
