"""chat bot flows (issue 16): where a conversation is in the bot's guided complaint intake or
case tracking (JSON on the conversation)

Revision ID: 20261208_0704
Revises: 20261208_0703
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261208_0704"
down_revision = "20261208_0703"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "chat_conversations", sa.Column("bot_flow", postgresql.JSONB(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("chat_conversations", "bot_flow")
