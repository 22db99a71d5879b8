"""queue_calls by caller (the screen pop's history and the callback checks look callers up);
recordings.case_id goes: nothing wrote it, a recording's case comes from case_calls by linkedid

Also joins the last two heads (user agent ids, audit guards) into one.

Revision ID: 20261130_0011
Revises: 20261129_0008, 20261130_0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "20261130_0011"
down_revision = ("20261129_0008", "20261130_0010")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_queue_calls_caller_entered_at", "queue_calls", ["caller", "entered_at"])
    op.drop_column("recordings", "case_id")


def downgrade() -> None:
    op.add_column("recordings", sa.Column("case_id", sa.BigInteger(), nullable=True))
    op.drop_index("ix_queue_calls_caller_entered_at", table_name="queue_calls")
