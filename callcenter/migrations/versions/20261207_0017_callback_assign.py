"""callback_tasks.assigned_to: a supervisor gives a waiting callback to one agent (the
dialer then rings only that agent for it); each assignment is a callback_events step

Revision ID: 20261207_0017
Revises: 20261207_0201
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0017"
down_revision = "20261207_0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("callback_tasks", sa.Column("assigned_to", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("callback_tasks", "assigned_to")
