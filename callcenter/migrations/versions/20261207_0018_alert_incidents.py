"""alert_incidents: the wallboard's alert history kept across restarts (each incident of
each alert id: when it started and ended, its text)

Revision ID: 20261207_0018
Revises: 20261207_0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0018"
down_revision = "20261207_0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_incidents",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("alert_id", sa.String(160), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("text_th", sa.String(400), nullable=False),
        sa.Column("text_en", sa.String(400), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_incidents")),
        sa.UniqueConstraint("alert_id", "started_at", name=op.f("uq_alert_incidents_alert_id")),
    )
    op.create_index(op.f("ix_alert_incidents_started_at"), "alert_incidents", ["started_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_incidents_started_at"), table_name="alert_incidents")
    op.drop_table("alert_incidents")
