"""ami_events: append-only store of queue-related AMI events

Revision ID: 20261129_0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261129_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ami_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("event_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("linkedid", sa.String(length=64), nullable=True),
        sa.Column("uniqueid", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("headers", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ami_events")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_ami_events_dedup_key")),
    )
    op.create_index(op.f("ix_ami_events_event"), "ami_events", ["event"])
    op.create_index(op.f("ix_ami_events_event_ts"), "ami_events", ["event_ts"])
    op.create_index(op.f("ix_ami_events_linkedid"), "ami_events", ["linkedid"])


def downgrade() -> None:
    op.drop_table("ami_events")
