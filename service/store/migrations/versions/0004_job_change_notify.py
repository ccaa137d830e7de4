"""Job change notifications: PostgreSQL NOTIFYs `scout_job_changes` when a job's state changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# A trigger rather than pg_notify calls in the store: every UPDATE path (step commits, status
# changes, ones added later) notifies, inside its own transaction, so a listener hears of a
# change exactly when it commits. SQLite has no NOTIFY; its subscribers poll instead.
FUNCTION = """
CREATE OR REPLACE FUNCTION scout_notify_job_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('scout_job_changes', NEW.id::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""
TRIGGER = """
CREATE TRIGGER scout_job_change_notify
AFTER UPDATE ON scraping_jobs
FOR EACH ROW
WHEN (
    OLD.status IS DISTINCT FROM NEW.status
    OR OLD.step IS DISTINCT FROM NEW.step
    OR OLD.progress IS DISTINCT FROM NEW.progress
    OR OLD.processed_results IS DISTINCT FROM NEW.processed_results
    OR OLD.processed_runs IS DISTINCT FROM NEW.processed_runs
)
EXECUTE FUNCTION scout_notify_job_change()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS scout_job_change_notify ON scraping_jobs")
    op.execute("DROP FUNCTION IF EXISTS scout_notify_job_change()")
