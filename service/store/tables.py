"""SQLAlchemy Core tables: the original app's schema plus what idempotent steps need (README)."""

from __future__ import annotations

import sqlalchemy as sa

from service.store.types import StorableJSON, StorableText, UTCDateTime, json_type

metadata = sa.MetaData()

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Text, nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("search_type", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

scraping_jobs = sa.Table(
    "scraping_jobs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Text, nullable=False, index=True),
    sa.Column("run_id", sa.Text, nullable=True),
    # When the holder of `run_id` stops being trusted unless its heartbeat renews the lease.
    sa.Column("lease_expires_at", UTCDateTime, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("keywords", json_type(), nullable=True),
    sa.Column("platform", sa.String(50), nullable=False, server_default="TikTok"),
    sa.Column("region", sa.String(10), nullable=False, server_default="US"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    sa.Column("error", StorableText, nullable=True),
    sa.Column("timeout_at", UTCDateTime, nullable=False),
    sa.Column(
        "campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("target_username", sa.Text, nullable=True),
    sa.Column("search_params", StorableJSON, nullable=True),
    sa.Column("qstash_message_id", sa.Text, nullable=True),
    # The message of the step most recently queued (the first one's id stays above): the one a
    # cancel takes back from QStash.
    sa.Column("queued_message_id", sa.Text, nullable=True),
    sa.Column("processed_runs", sa.Integer, nullable=False, server_default="0"),
    sa.Column("processed_results", sa.Integer, nullable=False, server_default="0"),
    sa.Column("target_results", sa.Integer, nullable=False, server_default="1000"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # Deviation from the original schema (int): TikTok cursors are ints, YouTube continuation
    # tokens are text.
    sa.Column("cursor", StorableText, nullable=True),
    sa.Column("progress", sa.Float, nullable=False, server_default="0"),
    # The step the job is waiting for; a step's writes commit only while it still matches.
    sa.Column("step", sa.Integer, nullable=False, server_default="0"),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("idempotency_key", sa.Text, nullable=True),
    sa.UniqueConstraint("user_id", "idempotency_key", name="uq_scraping_jobs_user_idempotency"),
    sa.CheckConstraint(
        "status IN ('pending', 'processing', 'completed', 'error', 'timeout', 'cancelled')",
        name="ck_scraping_jobs_status",
    ),
    sa.CheckConstraint(
        "kind IN ('tiktok_keyword', 'tiktok_similar', 'instagram_similar', "
        "'youtube_keyword', 'youtube_similar')",
        name="ck_scraping_jobs_kind",
    ),
    sa.Index("ix_scraping_jobs_campaign_id", "campaign_id"),
    sa.Index("ix_scraping_jobs_status_updated_at", "status", "updated_at"),
    # A user's jobs, newest first (GET /api/jobs pages by (created_at, id)).
    sa.Index("ix_scraping_jobs_user_created", "user_id", "created_at", "id"),
)

# Deviation from the original schema (one row per job holding a JSON array): one row per
# creator, so a step appends without rewriting the array and (job_id, creator_key) dedupes
# within a job.
scraping_results = sa.Table(
    "scraping_results",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "job_id",
        sa.Uuid,
        sa.ForeignKey("scraping_jobs.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("creator_key", StorableText, nullable=False),
    sa.Column("creator", StorableJSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("job_id", "creator_key", name="uq_scraping_results_job_creator"),
    sa.Index("ix_scraping_results_job_position", "job_id", "position"),
)

# The transactional outbox: the next step's message, written in the transaction that commits
# the step, so a publish that fails after the commit is retried instead of lost.
step_outbox = sa.Table(
    "step_outbox",
    metadata,
    # The QStash deduplication id: unique per (job, step, attempt), so a double publish is dropped.
    sa.Column("dedup_id", sa.Text, primary_key=True),
    sa.Column(
        "job_id",
        sa.Uuid,
        sa.ForeignKey("scraping_jobs.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
    # When the message should be delivered: a late publish only waits for what is left.
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("message_id", sa.Text, nullable=True),
    sa.Index("ix_step_outbox_job_id", "job_id"),
    sa.Index("ix_step_outbox_sent_at_created_at", "sent_at", "created_at"),
)

system_configurations = sa.Table(
    "system_configurations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("category", sa.String(50), nullable=False),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("value_type", sa.String(20), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("is_hot_reloadable", sa.String(5), nullable=False, server_default="true"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("category", "key", name="uq_system_configurations_category_key"),
)
