"""A test-side store that loses its database for the next few webhook steps, then recovers."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy.exc import OperationalError

from service.store import Job, Store


class FlakyStore(Store):
    """The service's store, except that a step's first call (its claim) can be made to fail.

    Failing the claim is what a database outage looks like to the webhook: nothing of the step
    has happened yet, the request answers 500, and QStash retries it.
    """

    failures_left: int = 0

    def fail_next_steps(self, count: int) -> None:
        """The next `count` step claims raise as if the database had gone away."""
        self.failures_left = count

    async def claim_step(
        self, job_id: UUID, step: int, token: str, *, lease: timedelta
    ) -> Job | None:
        if self.failures_left > 0:
            self.failures_left -= 1
            raise OperationalError("claim_step", {}, ConnectionError("database unreachable"))
        return await super().claim_step(job_id, step, token, lease=lease)
