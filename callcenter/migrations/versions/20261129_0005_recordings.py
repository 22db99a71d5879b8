"""recordings catalogue, QA forms/evaluations, append-only audit log

Revision ID: 20261129_0005
Revises: 20261129_0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261129_0005"
down_revision = "20261129_0003"
branch_labels = None
depends_on = None

DEFAULT_CRITERIA = [
    {
        "key": "greeting",
        "label_en": "Greeting and identification",
        "label_th": "การทักทายและแนะนำตัว",
        "weight": 1,
    },
    {
        "key": "understanding",
        "label_en": "Understood the problem",
        "label_th": "เข้าใจปัญหาของผู้โทร",
        "weight": 2,
    },
    {"key": "accuracy", "label_en": "Correct information", "label_th": "ให้ข้อมูลถูกต้อง", "weight": 3},
    {"key": "courtesy", "label_en": "Courtesy", "label_th": "ความสุภาพ", "weight": 2},
    {
        "key": "closing",
        "label_en": "Closing and next steps",
        "label_th": "การปิดการสนทนาและขั้นตอนถัดไป",
        "weight": 1,
    },
]

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("uniqueid", sa.String(64), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("member", sa.String(128), nullable=False),
        sa.Column("caller", sa.String(64), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("codec", sa.String(16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("object_key", sa.String(512), nullable=False),
        sa.Column("version_id", sa.String(128), nullable=True),
        sa.Column("retain_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("upload_state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("uniqueid", name=op.f("uq_recordings_uniqueid")),
    )
    for column in ("linkedid", "queue", "agent", "caller", "started_at", "upload_state"):
        op.create_index(op.f(f"ix_recordings_{column}"), "recordings", [column])

    forms = op.create_table(
        "qa_forms",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("criteria", postgresql.JSONB(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_forms")),
        sa.UniqueConstraint("name", name=op.f("uq_qa_forms_name")),
    )
    op.bulk_insert(forms, [{"name": "1212 standard", "criteria": DEFAULT_CRITERIA, "active": True}])

    op.create_table(
        "qa_evaluations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("recording_id", sa.BigInteger(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("ratings", postgresql.JSONB(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("supersedes_id", sa.BigInteger(), nullable=True),
        sa.Column("supersede_reason", sa.Text(), nullable=True),
        sa.Column(
            "submitted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluations")),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_qa_evaluations_recording_id_recordings"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"], ["qa_forms.id"], name=op.f("fk_qa_evaluations_form_id_qa_forms")
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"], ["users.id"], name=op.f("fk_qa_evaluations_evaluator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["qa_evaluations.id"],
            name=op.f("fk_qa_evaluations_supersedes_id_qa_evaluations"),
        ),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_qa_evaluations_supersedes_id")),
        sa.CheckConstraint(
            "score >= 0 AND score <= 100", name=op.f("ck_qa_evaluations_score_range")
        ),
    )
    op.create_index(op.f("ix_qa_evaluations_recording_id"), "qa_evaluations", ["recording_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("recording_id", sa.BigInteger(), nullable=True),
        sa.Column("client_ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(256), nullable=True),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"])
    op.create_index(op.f("ix_audit_log_recording_id"), "audit_log", ["recording_id"])

    op.execute(APPEND_ONLY)
    for table in ("audit_log", "qa_evaluations"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("qa_evaluations")
    op.drop_table("qa_forms")
    op.drop_table("recordings")
    op.execute("DROP FUNCTION IF EXISTS refuse_change()")
