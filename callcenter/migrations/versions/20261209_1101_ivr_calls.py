"""ivr_calls: each caller's path through the IVR (routed / hung up / closed, choice, language)

Revision ID: 20261209_1101
Revises: 20261209_0603
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "20261209_1101"
down_revision = "20261209_0603"
branch_labels = None
depends_on = None
TABLE = "ivr_calls"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("linkedid", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("option", sa.String(length=4), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("tries", sa.SmallInteger(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("case_lookups", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('routed', 'hung_up', 'closed')", name=op.f("ck_ivr_calls_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_ivr_calls_call_id")),
    )
    for column in ("linkedid", "started_at"):
        op.create_index(op.f(f"ix_ivr_calls_{column}"), TABLE, [column])


def downgrade() -> None:
    op.drop_table(TABLE)
