"""call_dispositions: the wrap-up code an agent gives a call at the desk (append-only)

Revision ID: 20261207_0302
Revises: 20261207_0301
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0302"
down_revision = "20261207_0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_dispositions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_call_dispositions_user_id_users"),
            nullable=True,
        ),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_call_dispositions_linkedid_at", "call_dispositions", ["linkedid", "at"])
    op.create_index("ix_call_dispositions_agent_id", "call_dispositions", ["agent_id"])
    # refuse_change() comes from the recordings migration (see 20261130_0010).
    op.execute(
        "CREATE TRIGGER call_dispositions_append_only BEFORE UPDATE OR DELETE "
        "ON call_dispositions FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER call_dispositions_no_truncate BEFORE TRUNCATE ON call_dispositions "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("call_dispositions")
