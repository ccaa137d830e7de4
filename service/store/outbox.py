"""The step outbox: next-step messages recorded with their step's commit, then marked sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.store.base import StoreBase, param, time_param
from service.store.job_queries import NOTE_QUEUED, note_queued
from service.store.tables import step_outbox as outbox


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One message to publish: `step` of `job_id`, delivered no earlier than `due_at`.

    `dedup_id` is the QStash deduplication id the publisher derives from (job, step, attempt),
    so publishing the entry twice is dropped by QStash as a duplicate.
    """

    dedup_id: str
    job_id: UUID
    step: int
    attempt: int
    due_at: datetime


def outbox_row(entry: OutboxEntry, now: datetime) -> dict[str, Any]:
    """The row to insert for `entry` (inside the step's own transaction)."""
    return {
        "dedup_id": entry.dedup_id,
        "job_id": entry.job_id,
        "step": entry.step,
        "attempt": entry.attempt,
        "due_at": entry.due_at,
        "created_at": now,
    }


# Built once (every queued step is marked): parameters b_entry, b_now, b_message (and b_job).
_MARK_SENT = (
    outbox.update()
    .where(outbox.c.dedup_id == param("b_entry"), outbox.c.sent_at.is_(None))
    .values(sent_at=time_param("b_now"), message_id=param("b_message"))
)
# PostgreSQL does both in one statement: the entry's UPDATE as a data-modifying WITH (which
# PostgreSQL runs in full, read or not) in front of the job's.
_MARK_SENT_AND_NOTE = NOTE_QUEUED.add_cte(_MARK_SENT.cte("sent"))


class OutboxQueries(StoreBase):
    async def mark_sent(self, entry: OutboxEntry, message_id: str) -> bool:
        """Record that QStash took the entry, and note its message on the job as
        `remember_queued_message` does (False only when the job is final).

        Two UPDATEs, each atomic on its own (the entry's and the job's facts are independent);
        one statement on PostgreSQL.
        """
        values = {
            "b_entry": entry.dedup_id,
            "b_now": self._clock.now(),
            "b_message": message_id,
            "b_job": entry.job_id,
        }
        together = self.engine.dialect.name == "postgresql"

        def sent(conn: Connection) -> bool:
            if together:
                return note_queued(conn, values, _MARK_SENT_AND_NOTE)
            conn.execute(_MARK_SENT, values)
            return note_queued(conn, values)

        return await self._statement(sent)

    async def unsent(self, *, limit: int, job_id: UUID | None = None) -> list[OutboxEntry]:
        """Entries QStash has not taken yet, oldest first (only `job_id`'s when given)."""
        query = (
            sa.select(
                outbox.c.dedup_id, outbox.c.job_id, outbox.c.step, outbox.c.attempt, outbox.c.due_at
            )
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.created_at, outbox.c.dedup_id)
            .limit(limit)
        )
        if job_id is not None:
            query = query.where(outbox.c.job_id == job_id)
        async with self.engine.connect() as conn:
            return [OutboxEntry(**row._mapping) for row in await conn.execute(query)]
