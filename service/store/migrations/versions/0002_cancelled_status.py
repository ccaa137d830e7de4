"""Cancelled jobs: the `cancelled` status, the queued step's message id, the user's jobs index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_STATUS = "ck_scraping_jobs_status"
_OLD = "status IN ('pending', 'processing', 'completed', 'error', 'timeout')"
_NEW = "status IN ('pending', 'processing', 'completed', 'error', 'timeout', 'cancelled')"


def upgrade() -> None:
    # SQLite cannot alter a CHECK constraint in place: batch mode copies the table (its other
    # constraints and indexes included) once for both changes; PostgreSQL alters it in place.
    with op.batch_alter_table("scraping_jobs") as batch:
        batch.drop_constraint(_STATUS, type_="check")
        batch.create_check_constraint(_STATUS, _NEW)
        batch.add_column(sa.Column("queued_message_id", sa.Text, nullable=True))
    op.create_index(
        "ix_scraping_jobs_user_created", "scraping_jobs", ["user_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_scraping_jobs_user_created", table_name="scraping_jobs")
    # A cancelled job has no status the old schema allows: it is kept, as an error.
    op.execute(
        "UPDATE scraping_jobs SET status = 'error', error = COALESCE(error, 'cancelled') "
        "WHERE status = 'cancelled'"
    )
    with op.batch_alter_table("scraping_jobs") as batch:
        batch.drop_column("queued_message_id")
        batch.drop_constraint(_STATUS, type_="check")
        batch.create_check_constraint(_STATUS, _OLD)
