"""csat_responses: post-call satisfaction per answered call (rating 1-5, problem solved)

Revision ID: 20261208_0602
Revises: 20261208_0601
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_0602"
down_revision = "20261208_0601"
branch_labels = None
depends_on = None
TABLE = "csat_responses"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("linkedid", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_csat_responses_rating")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_responses")),
        sa.UniqueConstraint("call_id", name=op.f("uq_csat_responses_call_id")),
    )
    for column in ("linkedid", "queue", "agent", "at"):
        op.create_index(op.f(f"ix_csat_responses_{column}"), TABLE, [column])


def downgrade() -> None:
    op.drop_table(TABLE)
