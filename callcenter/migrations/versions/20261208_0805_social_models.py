"""social_models: Thai sentiment models trained from staff labels (the active one is used)

Revision ID: 20261208_0805
Revises: 20261208_0804
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261208_0805"
down_revision = "20261208_0804"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "social_models",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("heldout", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=False),
        sa.Column("lexicon_accuracy", sa.Float(), nullable=False),
        sa.Column("confusion", JSONB(), nullable=False, server_default="{}"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_models")),
    )


def downgrade() -> None:
    op.drop_table("social_models")
