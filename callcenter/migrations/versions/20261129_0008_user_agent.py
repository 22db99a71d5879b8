"""users.agent_id: the centre agent (agentNN) a login works as

Revision ID: 20261129_0008
Revises: 20261129_0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0008"
down_revision = "20261129_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("agent_id", sa.String(length=16), nullable=True))
    op.create_unique_constraint(op.f("uq_users_agent_id"), "users", ["agent_id"])
    op.create_check_constraint(
        op.f("ck_users_agent_id_format"), "users", "agent_id ~ '^agent[0-9]{2,3}$'"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_users_agent_id_format"), "users", type_="check")
    op.drop_constraint(op.f("uq_users_agent_id"), "users", type_="unique")
    op.drop_column("users", "agent_id")
