"""recordings.talk_s and recordings.incomplete: the vault compares each recording with its
call's talk time; a recording much shorter than the talk lost media and is flagged

Revision ID: 20261207_0012
Revises: 20261130_0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0012"
down_revision = "20261130_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("talk_s", sa.Float(), nullable=True))
    op.add_column(
        "recordings",
        sa.Column("incomplete", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # the alert and /healthz count the flagged recordings of the last hour
    op.create_index(
        "ix_recordings_incomplete_started_at",
        "recordings",
        ["started_at"],
        postgresql_where=sa.text("incomplete"),
    )
    # each uploader round looks for the recent recordings not yet checked
    op.create_index(
        "ix_recordings_unchecked_started_at",
        "recordings",
        ["started_at"],
        postgresql_where=sa.text("talk_s IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_recordings_unchecked_started_at", table_name="recordings")
    op.drop_index("ix_recordings_incomplete_started_at", table_name="recordings")
    op.drop_column("recordings", "incomplete")
    op.drop_column("recordings", "talk_s")
