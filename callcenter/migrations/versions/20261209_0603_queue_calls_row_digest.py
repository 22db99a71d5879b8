"""queue_calls.row_digest: each call's share of the completeness checksum, stored with it

Revision ID: 20261209_0603
Revises: 20261208_0602
Create Date: 2026-12-09

A stored generated column: PostgreSQL rewrites the table once (minutes for tens of millions of
calls); reports then sum it instead of hashing every call of their period.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261209_0603"
down_revision = "20261208_0602"
branch_labels = None
depends_on = None

# callcenter.calls.models.ROW_DIGEST as it was written by this revision
ROW_DIGEST = (
    "('x' || substr(md5(call_id || '|' || queue || '|' || coalesce(outcome, '') || '|' "
    "|| coalesce(wait_s::text, '') || '|' || coalesce(talk_s::text, '')), 1, 15))"
    "::bit(60)::bigint"
)


def upgrade() -> None:
    op.add_column(
        "queue_calls",
        sa.Column("row_digest", sa.BigInteger(), sa.Computed(ROW_DIGEST, persisted=True)),
    )


def downgrade() -> None:
    op.drop_column("queue_calls", "row_digest")
