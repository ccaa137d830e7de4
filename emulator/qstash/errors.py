"""API errors that know their HTTP status, and the middleware that renders every error as JSON."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

log = logging.getLogger("emulator.qstash")


class ApiError(Exception):
    """An error answered as `{"error": message}` with the given status."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers  # e.g. a 429's RateLimit-* headers


class StoreWriteError(Exception):
    """The database refused a batch of writes (disk full, read-only, I/O error): nothing in it
    is durable, and the changes that registered an undo have been undone in memory."""


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# Requests that change nothing; every other method may, and answers only once it is durable.
_READS = frozenset({"GET", "HEAD"})


def error_middleware(
    authorized: Callable[[web.Request], bool],
    durable: Callable[[web.Request], Awaitable[None]],
) -> Middleware:
    """One middleware for the hot path: the auth check; after a successful change, the one
    wait for the store's commit (`durable`: concurrent requests share it), so no handler can
    answer 2xx before its change is on disk; then every error rendered as JSON."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not authorized(request):
            return error_response(401, "Unauthorized")
        try:
            response = await handler(request)
            if request.method not in _READS:
                await durable(request)
            return response
        except ApiError as exc:
            return error_response(exc.status, exc.message, exc.headers)
        except StoreWriteError as exc:
            # Logged once by the store when refusals start; the change was undone.
            return error_response(500, f"failed to persist the change: {exc}")
        except web.HTTPException as exc:
            # aiohttp's own 404/405/413 become JSON like every other error.
            if exc.status < 400:
                raise
            return error_response(exc.status, exc.reason)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.path)
            return error_response(500, "internal error")

    return middleware
