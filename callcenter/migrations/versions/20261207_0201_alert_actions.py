"""alert_actions: audit of supervisors' acknowledge / snooze of wallboard alerts (append-only)

Revision ID: 20261207_0201
Revises: 20261207_0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0201"
down_revision = "20261207_0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("alert_id", sa.String(length=160), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("text_en", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_actions")),
    )
    op.create_index(op.f("ix_alert_actions_at"), "alert_actions", ["at"])
    op.create_index(op.f("ix_alert_actions_alert_id"), "alert_actions", ["alert_id"])
    # refuse_change() comes from the recordings migration (see 20261130_0010).
    for when, level in (("UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
        name = "append_only" if level == "ROW" else "no_truncate"
        op.execute(
            f"CREATE TRIGGER alert_actions_{name} BEFORE {when} ON alert_actions "
            f"FOR EACH {level} EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS alert_actions_append_only ON alert_actions")
    op.execute("DROP TRIGGER IF EXISTS alert_actions_no_truncate ON alert_actions")
    op.drop_index(op.f("ix_alert_actions_alert_id"), table_name="alert_actions")
    op.drop_index(op.f("ix_alert_actions_at"), table_name="alert_actions")
    op.drop_table("alert_actions")
