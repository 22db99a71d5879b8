"""cases.follow_up_at: a follow-up reminder (the desk lists an agent's cases once it is due)

Revision ID: 20261207_0301
Revises: 20261207_0101
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0301"
down_revision = "20261207_0101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("follow_up_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_cases_follow_up_at",
        "cases",
        ["follow_up_at"],
        postgresql_where=sa.text("follow_up_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_follow_up_at", table_name="cases")
    op.drop_column("cases", "follow_up_at")
