"""social desk: sources (with cursors), mentions, keywords, matches, labels, audit

Revision ID: 20261207_0014
Revises: 20261207_0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261207_0014"
down_revision = "20261207_0013"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "social_sources",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("query", sa.Text(), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("cursor", JSONB(), nullable=False, server_default="{}"),
        sa.Column("polled_at", TS),
        sa.Column("ok_at", TS),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("resume_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_social_sources"),
        sa.UniqueConstraint("name", name="uq_social_sources_name"),
        sa.CheckConstraint("kind IN ('rss', 'x')", name="ck_social_sources_kind"),
    )
    op.create_table(
        "social_mentions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(512), nullable=False),
        sa.Column("source_id", sa.Integer()),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("author", sa.String(255), nullable=False, server_default=""),
        sa.Column("author_id", sa.String(255), nullable=False, server_default=""),
        sa.Column("author_followers", sa.Integer()),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("shares", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("replies", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("quotes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("province", sa.String(64)),
        sa.Column("sentiment", sa.String(16), nullable=False),
        sa.Column("sentiment_by", sa.String(16), nullable=False),
        sa.Column("sentiment_user_id", sa.Integer()),
        sa.Column("case_id", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id", name="pk_social_mentions"),
        sa.UniqueConstraint("channel", "external_id", name="uq_social_mentions_channel_external"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["social_sources.id"], ondelete="SET NULL",
            name="fk_social_mentions_source_id_social_sources",
        ),
        sa.ForeignKeyConstraint(
            ["sentiment_user_id"], ["users.id"], name="fk_social_mentions_sentiment_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], ondelete="SET NULL", name="fk_social_mentions_case_id_cases"
        ),
        sa.CheckConstraint(
            "sentiment IN ('positive', 'neutral', 'negative')", name="ck_social_mentions_sentiment"
        ),
    )
    op.create_index("ix_social_mentions_published_at", "social_mentions", ["published_at"])
    op.create_table(
        "social_keywords",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("keyword", sa.String(200), nullable=False),
        sa.Column("sub_keywords", JSONB(), nullable=False, server_default="[]"),
        sa.Column("exclusions", JSONB(), nullable=False, server_default="[]"),
        sa.Column("language", sa.String(8), nullable=False, server_default="any"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("watch", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_social_keywords"),
        sa.UniqueConstraint("keyword", name="uq_social_keywords_keyword"),
    )
    op.create_table(
        "social_matches",
        sa.Column("mention_id", sa.BigInteger(), nullable=False),
        sa.Column("keyword_id", sa.Integer(), nullable=False),
        sa.Column("phrases", JSONB(), nullable=False, server_default="[]"),
        sa.PrimaryKeyConstraint("mention_id", "keyword_id", name="pk_social_matches"),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["social_mentions.id"], ondelete="CASCADE",
            name="fk_social_matches_mention_id_social_mentions",
        ),
        sa.ForeignKeyConstraint(
            ["keyword_id"], ["social_keywords.id"], ondelete="CASCADE",
            name="fk_social_matches_keyword_id_social_keywords",
        ),
    )
    op.create_index(
        "ix_social_matches_keyword_mention", "social_matches", ["keyword_id", "mention_id"]
    )
    op.create_table(
        "social_volume_hours",
        sa.Column("keyword_id", sa.Integer(), nullable=False),
        sa.Column("hour", TS, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sentiment", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint(
            "keyword_id", "hour", "channel", "sentiment", name="pk_social_volume_hours"
        ),
        sa.ForeignKeyConstraint(
            ["keyword_id"], ["social_keywords.id"], ondelete="CASCADE",
            name="fk_social_volume_hours_keyword_id_social_keywords",
        ),
    )
    # the ranked lists walk these in order and stop at the page's end
    op.create_index("ix_social_mentions_likes", "social_mentions", ["likes", "id"])
    op.create_index("ix_social_mentions_shares", "social_mentions", ["shares", "id"])
    op.create_table(
        "social_labels",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("mention_id", sa.BigInteger(), nullable=False),
        sa.Column("previous", sa.String(16), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_social_labels"),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["social_mentions.id"], ondelete="CASCADE",
            name="fk_social_labels_mention_id_social_mentions",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_social_labels_user_id_users"),
    )
    op.create_index("ix_social_labels_mention_id", "social_labels", ["mention_id"])
    op.create_table(
        "social_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("user_id", sa.Integer()),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("detail", JSONB(), nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("id", name="pk_social_audit"),
    )
    op.create_index("ix_social_audit_action", "social_audit", ["action"])
    # refuse_change() comes from the recordings migration (20261129_0005).
    op.execute(
        "CREATE TRIGGER social_audit_append_only BEFORE UPDATE OR DELETE ON social_audit "
        "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER social_audit_no_truncate BEFORE TRUNCATE ON social_audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER social_labels_append_only BEFORE UPDATE ON social_labels "
        "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("social_audit")
    op.drop_table("social_labels")
    op.drop_table("social_volume_hours")
    op.drop_table("social_matches")
    op.drop_table("social_keywords")
    op.drop_table("social_mentions")
    op.drop_table("social_sources")
