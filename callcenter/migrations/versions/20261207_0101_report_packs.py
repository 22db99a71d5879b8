"""report_packs (the catalogue of report packs), report_jobs (APScheduler), the viewer role

Revision ID: 20261207_0101
Revises: 20261207_0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "20261207_0101"
down_revision = "20261207_0018"
branch_labels = None
depends_on = None

ROLES = ("agent", "supervisor", "qa", "admin")


def upgrade() -> None:
    op.create_table(
        "report_packs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("files", JSONB(), nullable=False, server_default="[]"),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("built_by", sa.String(64), nullable=False, server_default=""),
        sa.CheckConstraint("status IN ('built', 'failed', 'late')", name="ck_report_packs_status"),
        sa.CheckConstraint(
            "(status = 'built') = (revision IS NOT NULL)", name="ck_report_packs_revision"
        ),
    )
    op.create_index(
        "uq_report_packs_revision", "report_packs", ["kind", "period", "lang", "revision"],
        unique=True, postgresql_where=sa.text("revision IS NOT NULL"),
    )  # fmt: skip
    op.create_index("ix_report_packs_kind_period", "report_packs", ["kind", "period"])
    op.execute(
        "CREATE TABLE IF NOT EXISTS report_jobs ("
        " id VARCHAR(191) NOT NULL PRIMARY KEY,"
        " next_run_time FLOAT(25),"
        " job_state BYTEA NOT NULL)"
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_report_jobs_next_run_time ON report_jobs (next_run_time)")
    _roles((*ROLES, "viewer"))


def downgrade() -> None:
    op.execute("DELETE FROM users WHERE role = 'viewer'")
    _roles(ROLES)
    op.execute("DROP TABLE IF EXISTS report_jobs")
    op.drop_table("report_packs")


def _roles(roles: tuple[str, ...]) -> None:
    """users.role is a checked string (0002): its check names the roles."""
    names = ", ".join(f"'{r}'" for r in roles)
    op.execute("ALTER TABLE users DROP CONSTRAINT IF EXISTS role")
    op.execute("ALTER TABLE users DROP CONSTRAINT IF EXISTS ck_users_role")
    op.execute(f"ALTER TABLE users ADD CONSTRAINT ck_users_role CHECK (role IN ({names}))")
