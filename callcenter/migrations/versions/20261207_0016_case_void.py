"""cases.voided_at / voided_by_user_id / void_reason: a supervisor voids a case (test data,
a duplicate); it stays with its audit trail but leaves lists, screen pops and KPIs

Revision ID: 20261207_0016
Revises: 20261207_0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_0016"
down_revision = "20261207_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "cases",
        sa.Column(
            "voided_by_user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_cases_voided_by_user_id_users"),
            nullable=True,
        ),
    )
    op.add_column(
        "cases", sa.Column("void_reason", sa.String(500), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("cases", "void_reason")
    op.drop_column("cases", "voided_by_user_id")
    op.drop_column("cases", "voided_at")
