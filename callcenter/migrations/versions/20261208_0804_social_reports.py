"""social_reports: the monthly publishing reports built (files in S3)

Revision ID: 20261208_0804
Revises: 20261208_0803
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261208_0804"
down_revision = "20261208_0803"
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "social_reports",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("files", JSONB(), nullable=False, server_default="[]"),
        sa.Column("built_at", TS, nullable=False),
        sa.Column("built_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("emailed_at", TS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_reports")),
        sa.UniqueConstraint("month", "lang", "revision", name=op.f("uq_social_reports")),
    )


def downgrade() -> None:
    op.drop_table("social_reports")
