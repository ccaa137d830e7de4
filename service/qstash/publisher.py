"""Publishing job steps to QStash through the official SDK (retries, failure callback, dedup)."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

import httpx
from qstash import AsyncQStash
from qstash.errors import QStashError
from qstash.message import PublishResponse

from service.errors import UpstreamFailed
from service.logs import get_logger

log = get_logger("service.qstash.publisher")

STEP_RETRIES = 3


class PublishError(UpstreamFailed):
    """QStash refused or could not be reached; the message says why."""


# The official async SDK client; any object passed as the app's `qstash` is one of these.
QStashClient = AsyncQStash


def deduplication_id(job_id: UUID, step: int, revival: int = 0, attempt: int = 0) -> str:
    # QStash rejects ':' in deduplication ids. A revived step (the sweeper re-queueing a stalled
    # job) and a retried step (after a failed attempt) each need their own id, or QStash would
    # drop them as duplicates of the step's first message inside its window.
    base = f"job-{job_id}-step-{step}"
    if revival:
        base += f"-revival-{revival}"
    if attempt:
        base += f"-attempt-{attempt}"
    return base


class QueuedMessages(Protocol):
    """Where the publisher notes each job's latest queued message (the store)."""

    async def remember_queued_message(self, job_id: UUID, message_id: str) -> bool:
        """False when the job is already final: the message should not have been queued."""
        ...


class Publisher:
    """Queues `{"jobId", "step"}` for the webhook at the configured public URL.

    With `queued`, every published step's message id is noted on its job, so a cancel can
    take back whichever step is waiting (QStash cancels by message id only, never by
    deduplication id); a message published for a job that became final meanwhile is taken
    back at once.
    """

    def __init__(
        self,
        client: QStashClient,
        *,
        webhook_url: str,
        failure_callback_url: str,
        queued: QueuedMessages | None = None,
    ):
        self._client = client
        self._queued = queued
        self.webhook_url = webhook_url
        self.failure_callback_url = failure_callback_url

    async def publish_step(
        self,
        job_id: UUID,
        step: int,
        *,
        delay_seconds: float = 0,
        revival: int = 0,
        attempt: int = 0,
    ) -> str:
        """Publish one step of a job; returns the QStash message id.

        Raises PublishError (HTTP 502) when QStash cannot take the message.
        """
        options: dict[str, Any] = {
            "url": self.webhook_url,
            "body": {"jobId": str(job_id), "step": step},
            "retries": STEP_RETRIES,
            "failure_callback": self.failure_callback_url,
            "deduplication_id": deduplication_id(job_id, step, revival, attempt),
        }
        if delay_seconds > 0:
            # QStash delays are whole seconds; round up so a step never runs early.
            options["delay"] = max(1, int(-(-delay_seconds // 1)))
        try:
            response = await self._client.message.publish_json(**options)
        except (QStashError, httpx.HTTPError, OSError) as error:
            log.warning("publish_failed", job_id=str(job_id), step=step, reason=str(error))
            raise PublishError(f"could not queue the job: {error}") from error
        if not isinstance(response, PublishResponse):  # a URL publish answers one message
            raise PublishError(f"could not queue the job: unexpected answer {response!r}")
        message_id = response.message_id
        log.info(
            "step_published",
            job_id=str(job_id),
            step=step,
            message_id=message_id,
            delay=options.get("delay", 0),
            deduplicated=response.deduplicated,
        )
        queued = self._queued
        if queued is not None and not await queued.remember_queued_message(job_id, message_id):
            # Cancelled (or ended) while this was being published: its delivery would be a
            # no-op, but it need not wait in QStash for one.
            await self.cancel(message_id, job_id=job_id)
        return message_id

    async def cancel(self, message_id: str, *, job_id: UUID | None = None) -> bool:
        """Take a queued message back from QStash; True when QStash cancelled it.

        Best effort: a message already delivered, in flight or unknown (QStash answers 404)
        or an unreachable QStash is False, logged; the job's final status already makes any
        later delivery a no-op.
        """
        fields = {"message_id": message_id, "job_id": str(job_id) if job_id else None}
        try:
            await self._client.message.cancel(message_id)
        except (QStashError, httpx.HTTPError, OSError) as error:
            log.info("message_not_cancelled", **fields, reason=str(error))
            return False
        log.info("message_cancelled", **fields)
        return True


async def close_qstash(client: AsyncQStash) -> None:
    """Close the HTTP client inside an `AsyncQStash` (the SDK offers no close of its own).

    It lives in the SDK's private `AsyncHttpClient._client`: pyproject.toml pins the SDK to the
    release this was written against (qstash==3.4.0), and
    tests/service/test_dependency_internals.py fails if a release moves it.
    """
    http = getattr(client.http, "_client", None)
    if isinstance(http, httpx.AsyncClient):
        await http.aclose()
