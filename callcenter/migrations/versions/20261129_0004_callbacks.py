"""callbacks: tasks, the drops that made them, timestamped events

Revision ID: 20261129_0004
Revises: 20261129_0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0004"
down_revision = "20261129_0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("callable", sa.Boolean(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("dropped_at", TS, nullable=False),
        sa.Column("deadline_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("drops", sa.Integer(), nullable=False),
        sa.Column("first_dial_at", TS, nullable=True),
        sa.Column("reached_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("agent", sa.String(length=64), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
    )
    op.create_index(op.f("ix_callback_tasks_state"), "callback_tasks", ["state"])
    op.create_index(op.f("ix_callback_tasks_dropped_at"), "callback_tasks", ["dropped_at"])
    op.create_index(
        "uq_callback_tasks_open_number",
        "callback_tasks",
        ["number"],
        unique=True,
        postgresql_where=sa.text("state IN ('pending', 'dialing', 'retry_wait')"),
    )
    op.create_table(
        "callback_drops",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("queue_call_id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dropped_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["callback_tasks.id"],
            name=op.f("fk_callback_drops_task_id_callback_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_drops")),
        sa.UniqueConstraint("queue_call_id", name=op.f("uq_callback_drops_queue_call_id")),
    )
    op.create_table(
        "callback_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("task_id", sa.BigInteger(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["callback_tasks.id"],
            name=op.f("fk_callback_events_task_id_callback_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_events")),
    )
    op.create_index(op.f("ix_callback_events_task_id"), "callback_events", ["task_id"])


def downgrade() -> None:
    op.drop_table("callback_events")
    op.drop_table("callback_drops")
    op.drop_table("callback_tasks")
