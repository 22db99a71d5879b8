"""supervisor_actions: audit of supervisors' listen / whisper / barge on agents' calls

Revision ID: 20261129_0009
Revises: 20261129_0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0009"
down_revision = "20261129_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervisor_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("agent_state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisor_actions")),
    )
    op.create_index(op.f("ix_supervisor_actions_at"), "supervisor_actions", ["at"])
    op.create_index(op.f("ix_supervisor_actions_agent_id"), "supervisor_actions", ["agent_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_supervisor_actions_agent_id"), table_name="supervisor_actions")
    op.drop_index(op.f("ix_supervisor_actions_at"), table_name="supervisor_actions")
    op.drop_table("supervisor_actions")
