"""APScheduler's job table for callback due times, made by the owner role

The job store used to create `callback_jobs` itself at start; the service's own role may
not create tables any more (migrate.py), so the table is a migration like every other.
Same columns and index as APScheduler 3's SQLAlchemyJobStore makes; a table it already
made is kept.

Revision ID: 20261207_0015
Revises: 20261207_0012
Create Date: 2026-12-07
"""

from alembic import op

revision = "20261207_0015"
down_revision = "20261207_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS callback_jobs ("
        " id VARCHAR(191) NOT NULL PRIMARY KEY,"
        " next_run_time FLOAT(25),"
        " job_state BYTEA NOT NULL)"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_callback_jobs_next_run_time"
        " ON callback_jobs (next_run_time)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS callback_jobs")
