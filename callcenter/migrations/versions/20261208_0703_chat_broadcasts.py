"""chat broadcasts (issue 16): LINE broadcast / multicast to tagged customers, scheduled,
audited; customers' tags (the audiences)

Revision ID: 20261208_0703
Revises: 20261208_0702
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261208_0703"
down_revision = "20261208_0702"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_broadcasts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(8), nullable=False),
        sa.Column("tags", postgresql.JSONB(), nullable=False),
        sa.Column("image_bucket", sa.String(63), nullable=True),
        sa.Column("image_key", sa.String(1024), nullable=True),
        sa.Column("image_type", sa.String(64), nullable=True),
        sa.Column("image_token", sa.String(64), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("send_at", TZ, nullable=True),
        sa.Column("requests", postgresql.JSONB(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column(
            "created_by_user_id", sa.Integer(),
            sa.ForeignKey("users.id", name="fk_chat_broadcasts_created_by_user_id_users"),
            nullable=True,
        ),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.UniqueConstraint("image_token", name="uq_chat_broadcasts_image_token"),
    )  # fmt: skip
    op.create_index(
        "ix_chat_broadcasts_due", "chat_broadcasts", ["send_at"],
        postgresql_where=sa.text("status IN ('scheduled', 'sending')"),
    )  # fmt: skip
    op.create_table(
        "chat_customer_tags",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column(
            "tagged_by_user_id", sa.Integer(),
            sa.ForeignKey("users.id", name="fk_chat_customer_tags_tagged_by_user_id_users"),
            nullable=True,
        ),
        sa.Column("tagged_at", TZ, nullable=False),
        sa.UniqueConstraint("channel", "customer_id", "tag", name="uq_chat_customer_tags_channel"),
    )  # fmt: skip
    op.create_index("ix_chat_customer_tags_tag", "chat_customer_tags", ["tag"])
    # APScheduler 3's SQLAlchemyJobStore table for the broadcasts' times (as callback_jobs:
    # the service's role may not create tables)
    op.execute(
        "CREATE TABLE IF NOT EXISTS chat_broadcast_jobs ("
        " id VARCHAR(191) NOT NULL PRIMARY KEY,"
        " next_run_time FLOAT(25),"
        " job_state BYTEA NOT NULL)"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_chat_broadcast_jobs_next_run_time"
        " ON chat_broadcast_jobs (next_run_time)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS chat_broadcast_jobs")
    op.drop_table("chat_customer_tags")
    op.drop_table("chat_broadcasts")
