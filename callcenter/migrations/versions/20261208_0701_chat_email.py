"""chat e-mail channel (issue 16): a conversation's subject, attachments of chat messages
(stored in S3), and e-mail threads may be several open conversations of one address

Revision ID: 20261208_0701
Revises: 20261207_0501
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_0701"
down_revision = "20261207_0501"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
OPEN_CUSTOMER = "ix_chat_conversations_open_customer"


def upgrade() -> None:
    op.add_column(
        "chat_conversations",
        sa.Column("subject", sa.Text(), nullable=False, server_default=""),
    )
    op.alter_column("chat_conversations", "subject", server_default=None)
    # An e-mail thread is a conversation of its own: one address may have several open.
    op.drop_index(OPEN_CUSTOMER, table_name="chat_conversations")
    op.create_index(
        OPEN_CUSTOMER, "chat_conversations", ["channel", "customer_id"], unique=True,
        postgresql_where=sa.text("state <> 'closed' AND channel <> 'email'"),
    )  # fmt: skip
    op.create_table(
        "chat_attachments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "message_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "chat_messages.id",
                ondelete="CASCADE",
                name="fk_chat_attachments_message_id_chat_messages",
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("object_key", sa.String(1024), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_chat_attachments_message_id", "chat_attachments", ["message_id"])


def downgrade() -> None:
    op.drop_table("chat_attachments")
    op.drop_index(OPEN_CUSTOMER, table_name="chat_conversations")
    op.create_index(
        OPEN_CUSTOMER,
        "chat_conversations",
        ["channel", "customer_id"],
        unique=True,
        postgresql_where=sa.text("state <> 'closed'"),
    )
    op.drop_column("chat_conversations", "subject")
