"""social_digests: the weekly news digest (draft, edited, sent by e-mail and LINE)

Revision ID: 20261208_0803
Revises: 20261208_0802
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261208_0803"
down_revision = "20261208_0802"
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    users = "users.id"
    op.create_table(
        "social_digests",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("line_text", sa.Text(), nullable=False),
        sa.Column("news", JSONB(), nullable=False, server_default="[]"),
        sa.Column("mentions", JSONB(), nullable=False, server_default="[]"),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("built_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("edited_by", sa.Integer(), sa.ForeignKey(users, name=op.f("fk_social_digests_edited_by_users"))),
        sa.Column("sent_at", TS),
        sa.Column("sent_by", sa.Integer(), sa.ForeignKey(users, name=op.f("fk_social_digests_sent_by_users"))),
        sa.Column("emailed_to", JSONB(), nullable=False, server_default="[]"),
        sa.Column("line_request_id", sa.String(128)),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_digests")),
        sa.UniqueConstraint("week_start", name=op.f("uq_social_digests_week_start")),
        sa.CheckConstraint("status IN ('draft', 'sent')", name=op.f("ck_social_digests_status")),
    )


def downgrade() -> None:
    op.drop_table("social_digests")
