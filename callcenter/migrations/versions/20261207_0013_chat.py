"""chat desk (issue 16): raw webhook events (stored before the ack, once per event id),
conversations, their messages and outgoing sends (idempotency key, retries)

Revision ID: 20261207_0013
Revises: 20261207_0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261207_0013"
down_revision = "20261207_0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_webhook_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("redelivery", sa.Boolean(), nullable=False),
        sa.Column("body", postgresql.JSONB(), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("processed_at", TZ, nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.UniqueConstraint("channel", "event_id", name="uq_chat_webhook_events_channel"),
    )
    op.create_index(
        "ix_chat_webhook_events_unprocessed", "chat_webhook_events", ["id"],
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_table(
        "chat_conversations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("customer_name", sa.String(255), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column(
            "service_line", sa.String(64),
            sa.ForeignKey("case_service_lines.code",
                          name="fk_chat_conversations_service_line_case_service_lines"),
            nullable=True,
        ),
        sa.Column("bot_failures", sa.Integer(), nullable=False),
        sa.Column(
            "assigned_user_id", sa.Integer(),
            sa.ForeignKey("users.id", name="fk_chat_conversations_assigned_user_id_users"),
            nullable=True,
        ),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("last_customer_at", TZ, nullable=True),
        sa.Column("handed_off_at", TZ, nullable=True),
        sa.Column("first_human_reply_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column(
            "case_id", sa.BigInteger(),
            sa.ForeignKey("cases.id", name="fk_chat_conversations_case_id_cases"),
            nullable=True,
        ),
        sa.Column("reply_token", sa.String(255), nullable=True),
        sa.Column("reply_until", TZ, nullable=True),
    )
    op.create_index("ix_chat_conversations_state", "chat_conversations", ["state"])
    op.create_index(
        "ix_chat_conversations_assigned_user_id", "chat_conversations", ["assigned_user_id"]
    )
    op.create_index("ix_chat_conversations_handed_off_at", "chat_conversations", ["handed_off_at"])
    op.create_index("ix_chat_conversations_case_id", "chat_conversations", ["case_id"])
    op.create_index(
        "ix_chat_conversations_open_customer", "chat_conversations", ["channel", "customer_id"],
        unique=True, postgresql_where=sa.text("state <> 'closed'"),
    )
    op.create_table(
        "chat_sends",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "conversation_id", sa.BigInteger(),
            sa.ForeignKey("chat_conversations.id", ondelete="CASCADE",
                          name="fk_chat_sends_conversation_id_chat_conversations"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("to", sa.String(128), nullable=False),
        sa.Column("idempotency_key", sa.String(36), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("tag", sa.String(16), nullable=True),
        sa.Column("reply_token", sa.String(255), nullable=True),
        sa.Column("reply_until", TZ, nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("method", sa.String(8), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.UniqueConstraint("idempotency_key", name="uq_chat_sends_idempotency_key"),
    )
    op.create_index("ix_chat_sends_conversation_id", "chat_sends", ["conversation_id"])
    op.create_index(
        "ix_chat_sends_due", "chat_sends", ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "conversation_id", sa.BigInteger(),
            sa.ForeignKey("chat_conversations.id", ondelete="CASCADE",
                          name="fk_chat_messages_conversation_id_chat_conversations"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("author", sa.String(8), nullable=False),
        sa.Column(
            "author_user_id", sa.Integer(),
            sa.ForeignKey("users.id", name="fk_chat_messages_author_user_id_users"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column(
            "event_id", sa.BigInteger(),
            sa.ForeignKey("chat_webhook_events.id",
                          name="fk_chat_messages_event_id_chat_webhook_events"),
            nullable=True,
        ),
        sa.Column(
            "send_id", sa.BigInteger(),
            sa.ForeignKey("chat_sends.id", name="fk_chat_messages_send_id_chat_sends"),
            nullable=True,
        ),
        sa.Column("at", TZ, nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_chat_messages_channel"),
    )
    op.create_index("ix_chat_messages_conversation_id", "chat_messages", ["conversation_id"])
    op.create_index("ix_chat_messages_at", "chat_messages", ["at"])
    op.create_index("ix_chat_messages_send_id", "chat_messages", ["send_id"])


def downgrade() -> None:
    op.drop_table("chat_messages")
    op.drop_table("chat_sends")
    op.drop_table("chat_conversations")
    op.drop_table("chat_webhook_events")
