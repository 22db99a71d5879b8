"""alert_actions and supervisor_agent_actions: audits of the wallboard's supervisor actions

alert_actions: acknowledge / snooze of alerts and threshold changes (alert_thresholds holds
the current per-queue ones); supervisor_agent_actions: pause, unpause,
log out, penalty on an agent from the grid. Both append-only.

Revision ID: 20261207_0201
Revises: 20261207_0401
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0201"
down_revision = "20261207_0401"
branch_labels = None
depends_on = None
TABLES = ("alert_actions", "supervisor_agent_actions")


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
    op.create_table(
        "alert_thresholds",
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule", "scope", name=op.f("pk_alert_thresholds")),
    )
    op.create_table(
        "supervisor_agent_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("interface", sa.String(length=128), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.Column("agent_state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisor_agent_actions")),
    )
    op.create_index(
        op.f("ix_supervisor_agent_actions_at"), "supervisor_agent_actions", ["at"]
    )
    op.create_index(
        op.f("ix_supervisor_agent_actions_interface"), "supervisor_agent_actions", ["interface"]
    )
    # refuse_change() comes from the recordings migration (see 20261130_0010).
    for table in TABLES:
        for when, level in (("UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
            name = "append_only" if level == "ROW" else "no_truncate"
            op.execute(
                f"CREATE TRIGGER {table}_{name} BEFORE {when} ON {table} "
                f"FOR EACH {level} EXECUTE FUNCTION refuse_change()"
            )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_table("supervisor_agent_actions")
    op.drop_table("alert_thresholds")
    op.drop_index(op.f("ix_alert_actions_alert_id"), table_name="alert_actions")
    op.drop_index(op.f("ix_alert_actions_at"), table_name="alert_actions")
    op.drop_table("alert_actions")
