"""Short renewable step leases (scraping_jobs.lease_expires_at) and the step outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.store.types import UTCDateTime

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A nullable column is added in place on both engines (no table rebuild on SQLite).
    op.add_column("scraping_jobs", sa.Column("lease_expires_at", UTCDateTime, nullable=True))
    op.create_table(
        "step_outbox",
        sa.Column("dedup_id", sa.Text, primary_key=True),
        sa.Column(
            "job_id",
            sa.Uuid,
            sa.ForeignKey("scraping_jobs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("message_id", sa.Text, nullable=True),
    )
    op.create_index("ix_step_outbox_job_id", "step_outbox", ["job_id"])
    op.create_index("ix_step_outbox_sent_at_created_at", "step_outbox", ["sent_at", "created_at"])


def downgrade() -> None:
    op.drop_table("step_outbox")
    with op.batch_alter_table("scraping_jobs") as batch:
        batch.drop_column("lease_expires_at")
