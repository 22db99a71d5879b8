"""callback_tasks.origin: a drop (abandon, timeout, ...) or the caller's own request in the queue

Revision ID: 20261208_0601
Revises: 20261208_0901
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_0601"
down_revision = "20261208_0901"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "callback_tasks",
        sa.Column("origin", sa.String(length=16), nullable=False, server_default="drop"),
    )


def downgrade() -> None:
    op.drop_column("callback_tasks", "origin")
