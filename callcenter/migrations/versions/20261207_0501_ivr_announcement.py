"""ivr_announcement_actions: the emergency announcement's switches (on/off), append-only

Revision ID: 20261207_0501
Revises: 20261207_0302
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0501"
down_revision = "20261207_0302"
branch_labels = None
depends_on = None
TABLE = "ivr_announcement_actions"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("prompt_id", sa.String(length=48), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_announcement_actions")),
    )
    op.create_index(op.f("ix_ivr_announcement_actions_at"), TABLE, ["at"])
    # refuse_change() comes from the recordings migration (see 20261130_0010).
    for when, level in (("UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
        name = "append_only" if level == "ROW" else "no_truncate"
        op.execute(
            f"CREATE TRIGGER {TABLE}_{name} BEFORE {when} ON {TABLE} "
            f"FOR EACH {level} EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
    op.drop_index(op.f("ix_ivr_announcement_actions_at"), table_name=TABLE)
    op.drop_table(TABLE)
