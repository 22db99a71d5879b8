"""audit trails refuse TRUNCATE; supervisor actions and callback events are append-only

Rows of the audit trails already refuse UPDATE and DELETE (recordings' audit_log and
qa_evaluations, case_audit); a TRUNCATE skips row triggers, so it needs its own. The
supervisors' listen/whisper/barge log and the callbacks' timestamped transitions (the
proof behind the 30-minute figure) become append-only too. A database superuser can
still switch triggers off: these guard against the application and against mistakes.

Revision ID: 20261130_0010
Revises: 20261129_0004, 20261129_0005, 20261129_0006, 20261129_0009
Create Date: 2026-11-30
"""

from alembic import op

revision = "20261130_0010"
down_revision = ("20261129_0004", "20261129_0005", "20261129_0006", "20261129_0009")
branch_labels = None
depends_on = None

AUDIT_TABLES = (
    "audit_log",
    "qa_evaluations",
    "case_audit",
    "supervisor_actions",
    "callback_events",
)
NEWLY_APPEND_ONLY = ("supervisor_actions", "callback_events")

def upgrade() -> None:
    # refuse_change() (from the recordings migration) raises "<table> is append-only"; it
    # serves the statement-level TRUNCATE triggers as well as the row-level ones.
    for table in AUDIT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
        )
    for table in NEWLY_APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    for table in NEWLY_APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    for table in AUDIT_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
