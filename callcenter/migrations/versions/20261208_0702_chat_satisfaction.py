"""chat satisfaction questionnaire (issue 16): one per closed conversation, 1–5 and a comment,
columns alike the voice CSAT's (agent, queue, case, score) for one report

Revision ID: 20261208_0702
Revises: 20261208_0701
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_0702"
down_revision = "20261208_0701"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
TABLE = "chat_satisfaction"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "conversation_id", sa.BigInteger(),
            sa.ForeignKey("chat_conversations.id", ondelete="CASCADE",
                          name="fk_chat_satisfaction_conversation_id_chat_conversations"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column(
            "agent_user_id", sa.Integer(),
            sa.ForeignKey("users.id", name="fk_chat_satisfaction_agent_user_id_users"),
            nullable=True,
        ),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column(
            "case_id", sa.BigInteger(),
            sa.ForeignKey("cases.id", name="fk_chat_satisfaction_case_id_cases"), nullable=True,
        ),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("asked_at", TZ, nullable=False),
        sa.Column("answered_at", TZ, nullable=True),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_chat_satisfaction_score_range"),
        sa.UniqueConstraint("conversation_id", name="uq_chat_satisfaction_conversation_id"),
    )  # fmt: skip
    op.create_index("ix_chat_satisfaction_agent_user_id", TABLE, ["agent_user_id"])
    op.create_index("ix_chat_satisfaction_asked_at", TABLE, ["asked_at"])
    op.create_index(
        "ix_chat_satisfaction_open", TABLE, ["channel", "customer_id"],
        postgresql_where=sa.text("stage <> 'done'"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table(TABLE)
