"""chat reply due (issue 16): the first-reply due time, counted in the channel's business
hours, stored at the hand-off on the conversation (the inbox orders by it) and on its hand-off
note (chat-v1's recount reads it)

Conversations handed off before this revision get the shipped 24/7 targets: 30 minutes for
LINE and Messenger, 24 hours for e-mail.

Revision ID: 20261209_1001
Revises: 20261209_1101
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "20261209_1001"
down_revision = "20261209_1101"
branch_labels = None
depends_on = None
TARGET = "CASE channel WHEN 'email' THEN interval '86400 seconds' ELSE interval '1800 seconds' END"


def upgrade() -> None:
    op.add_column(
        "chat_conversations", sa.Column("reply_due_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_chat_conversations_reply_due_at", "chat_conversations", ["reply_due_at"]
    )
    op.add_column("chat_messages", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        f"UPDATE chat_conversations SET reply_due_at = handed_off_at + {TARGET} "
        "WHERE handed_off_at IS NOT NULL"
    )
    op.execute(
        f"UPDATE chat_messages SET due_at = at + {TARGET} "
        "WHERE direction = 'internal' AND kind = 'handoff'"
    )
    op.create_check_constraint(
        op.f("ck_chat_conversations_handed_off_due"),
        "chat_conversations",
        "handed_off_at IS NULL OR reply_due_at IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_chat_conversations_handed_off_due"), "chat_conversations")
    op.drop_column("chat_messages", "due_at")
    op.drop_index("ix_chat_conversations_reply_due_at", "chat_conversations")
    op.drop_column("chat_conversations", "reply_due_at")
