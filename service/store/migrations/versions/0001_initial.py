"""Initial schema: campaigns, scraping_jobs, scraping_results, system_configurations.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.store.types import UTCDateTime, json_type

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("search_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_campaigns_user_id", "campaigns", ["user_id"])
    op.create_table(
        "scraping_jobs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("run_id", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("keywords", json_type(), nullable=True),
        sa.Column("platform", sa.String(50), nullable=False, server_default="TikTok"),
        sa.Column("region", sa.String(10), nullable=False, server_default="US"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=True),
        sa.Column("completed_at", UTCDateTime, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("timeout_at", UTCDateTime, nullable=False),
        sa.Column(
            "campaign_id",
            sa.Uuid,
            sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("target_username", sa.Text, nullable=True),
        sa.Column("search_params", json_type(), nullable=True),
        sa.Column("qstash_message_id", sa.Text, nullable=True),
        sa.Column("processed_runs", sa.Integer, nullable=False, server_default="0"),
        sa.Column("processed_results", sa.Integer, nullable=False, server_default="0"),
        sa.Column("target_results", sa.Integer, nullable=False, server_default="1000"),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("step", sa.Integer, nullable=False, server_default="0"),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("idempotency_key", sa.Text, nullable=True),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_scraping_jobs_user_idempotency"),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'completed', 'error', 'timeout')",
            name="ck_scraping_jobs_status",
        ),
        sa.CheckConstraint(
            "kind IN ('tiktok_keyword', 'tiktok_similar', 'instagram_similar', "
            "'youtube_keyword', 'youtube_similar')",
            name="ck_scraping_jobs_kind",
        ),
    )
    op.create_index("ix_scraping_jobs_user_id", "scraping_jobs", ["user_id"])
    op.create_index("ix_scraping_jobs_campaign_id", "scraping_jobs", ["campaign_id"])
    op.create_index("ix_scraping_jobs_status_updated_at", "scraping_jobs", ["status", "updated_at"])
    op.create_table(
        "scraping_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column(
            "job_id",
            sa.Uuid,
            sa.ForeignKey("scraping_jobs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("creator_key", sa.Text, nullable=False),
        sa.Column("creator", json_type(), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("job_id", "creator_key", name="uq_scraping_results_job_creator"),
    )
    op.create_index("ix_scraping_results_job_position", "scraping_results", ["job_id", "position"])
    op.create_table(
        "system_configurations",
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


def downgrade() -> None:
    op.drop_table("system_configurations")
    op.drop_table("scraping_results")
    op.drop_table("scraping_jobs")
    op.drop_table("campaigns")
