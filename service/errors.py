"""The service's domain errors: what went wrong, in words a caller can act on, and no HTTP.

Domain code (jobs, config, store, the QStash side) raises these; the HTTP edge
(`service.api.errors`) maps each kind to its status and headers.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A failure a caller should hear about; `message` is what they read.

    `retry_after` (seconds) is set when the same request will succeed later on its own.
    """

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class InvalidInput(ServiceError):
    """What the caller sent breaks a rule; the message starts with the field it names."""


class InputTooLarge(ServiceError):
    """What the caller sent is bigger than the service reads."""


class NotAuthenticated(ServiceError):
    """The caller did not prove who they are (no credentials, or credentials that fail)."""


class NotPermitted(ServiceError):
    """The caller is known but may not do this."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or is not the caller's."""


class Conflict(ServiceError):
    """The request does not fit the current state (a finished job, a step in use)."""


class UpstreamFailed(ServiceError):
    """A service we depend on (QStash) refused or could not be reached."""


class Unavailable(ServiceError):
    """The work is saved but not finished; the same request will finish it later."""


class Undeliverable(ServiceError):
    """A QStash delivery that can never succeed, however often it is retried."""
