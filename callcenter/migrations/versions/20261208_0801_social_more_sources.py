"""social_sources: Facebook Page and YouTube comment sources besides feeds and X

Revision ID: 20261208_0801
Revises: 20261208_0705
Create Date: 2026-12-08
"""

from alembic import op

revision = "20261208_0801"
down_revision = "20261208_0705"
branch_labels = None
depends_on = None
OLD = "ck_social_sources_ck_social_sources_kind"  # as 20261207_0014 named it (convention twice)
NAME = "ck_social_sources_kind"


def upgrade() -> None:
    op.drop_constraint(op.f(OLD), "social_sources", type_="check")
    kinds = "kind IN ('rss', 'x', 'facebook', 'youtube')"
    op.create_check_constraint(op.f(NAME), "social_sources", kinds)


def downgrade() -> None:
    op.execute("DELETE FROM social_sources WHERE kind IN ('facebook', 'youtube')")
    op.drop_constraint(op.f(NAME), "social_sources", type_="check")
    op.create_check_constraint(op.f(OLD), "social_sources", "kind IN ('rss', 'x')")
