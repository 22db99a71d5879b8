"""social_content: the content calendar (planned posts and videos, approval, publishing);
social_jobs: its APScheduler job store

Revision ID: 20261208_0802
Revises: 20261208_0801
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261208_0802"
down_revision = "20261208_0801"
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "social_content",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("channels", JSONB(), nullable=False, server_default="[]"),
        sa.Column("planned_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("asset_key", sa.String(512)),
        sa.Column("asset_name", sa.String(255)),
        sa.Column("asset_type", sa.String(100)),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("users.id", name=op.f("fk_social_content_created_by_users")),
        ),
        sa.Column(
            "approved_by",
            sa.Integer(),
            sa.ForeignKey("users.id", name=op.f("fk_social_content_approved_by_users")),
        ),
        sa.Column("approved_at", TS),
        sa.Column("facebook_id", sa.String(128)),
        sa.Column("facebook_post_id", sa.String(128)),
        sa.Column("line_request_id", sa.String(128)),
        sa.Column("published_at", TS),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("reach", sa.Integer()),
        sa.Column("reactions", sa.Integer()),
        sa.Column("shares", sa.Integer()),
        sa.Column("results_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_content")),
        sa.CheckConstraint("kind IN ('post', 'video')", name=op.f("ck_social_content_kind")),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'scheduled', 'published', 'failed')",
            name=op.f("ck_social_content_status"),
        ),
    )
    op.create_index(op.f("ix_social_content_planned_at"), "social_content", ["planned_at"])
    op.execute(
        "CREATE TABLE IF NOT EXISTS social_jobs ("
        " id VARCHAR(191) NOT NULL PRIMARY KEY,"
        " next_run_time FLOAT(25),"
        " job_state BYTEA NOT NULL)"
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_social_jobs_next_run_time ON social_jobs (next_run_time)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS social_jobs")
    op.drop_table("social_content")
