"""agent_events: queue members' log-ins, log-outs, pauses (with reason) and rings not
answered, as queue_log wrote them (the reports' logged-in time, pause by reason, occupancy)

Revision ID: 20261208_0901
Revises: 20261208_0805
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_0901"
down_revision = "20261208_0805"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False, server_default=""),
        sa.Column("ring_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_events")),
        # queue_log read again (a restart reads the file from the start) stores nothing twice
        sa.UniqueConstraint("agent", "queue", "kind", "at", name=op.f("uq_agent_events_agent")),
    )
    op.create_index(op.f("ix_agent_events_at"), "agent_events", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_events_at"), table_name="agent_events")
    op.drop_table("agent_events")
