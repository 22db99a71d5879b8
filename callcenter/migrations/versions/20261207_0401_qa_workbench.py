"""QA workbench: versioned forms, per-item comments and critical fails, agents' responses

qa_forms gains `version` (a form's name is unique per version: a new version is a new row,
the old one inactive, and an evaluation keeps pointing at the version it was scored on).
qa_evaluations gains `item_comments` and `critical_fail`. qa_evaluation_responses holds an
agent's acknowledgement or dispute (with a reason) of an evaluation of their call: one per
evaluation, append-only like the other audit trails.

Revision ID: 20261207_0401
Revises: 20261207_0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261207_0401"
down_revision = "20261207_0016"
branch_labels = None
depends_on = None


def _item(key, en, th, weight, section, scale, *, na=False, critical=False):
    sections = {"opening": ("Opening", "การเปิดสาย"), "handling": ("Handling", "การรับเรื่อง"),
                "closing": ("Closing", "การปิดสาย")}
    return {"key": key, "label_en": en, "label_th": th, "weight": weight,
            "section_en": sections[section][0], "section_th": sections[section][1],
            "scale": scale, "allow_na": na, "critical": critical}


# A qa-v2 form with sections, scales, N/A and a critical item (docs/kpi-v1.md, QA).
CALL_REVIEW = [
    _item("greeting", "Greeted and gave their name", "ทักทายและแนะนำตัว", 1, "opening", "yes_no"),
    _item("privacy", "Gave no personal data before verifying the caller",
          "ไม่เปิดเผยข้อมูลส่วนบุคคลก่อนยืนยันตัวผู้โทร", 2, "opening", "yes_no", critical=True),
    _item("understanding", "Understood the problem", "เข้าใจปัญหาของผู้โทร", 3, "handling", "1-5"),
    _item("accuracy", "Correct information", "ให้ข้อมูลถูกต้อง", 3, "handling", "1-5"),
    _item("case_logged", "Logged the complaint as a case", "บันทึกเรื่องร้องเรียน", 2, "handling",
          "yes_no", na=True),
    _item("hold_etiquette", "Asked before putting on hold", "ขออนุญาตก่อนพักสาย", 1, "handling",
          "yes_no", na=True),
    _item("courtesy", "Courtesy", "ความสุภาพ", 2, "closing", "1-5"),
    _item("next_steps", "Closing and next steps", "การปิดการสนทนาและขั้นตอนถัดไป", 2, "closing",
          "0-100"),
]


def upgrade() -> None:
    op.add_column(
        "qa_forms", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )
    op.drop_constraint("uq_qa_forms_name", "qa_forms", type_="unique")
    op.create_unique_constraint("uq_qa_forms_name_version", "qa_forms", ["name", "version"])
    op.add_column(
        "qa_evaluations",
        sa.Column(
            "item_comments",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )
    op.add_column(
        "qa_evaluations",
        sa.Column("critical_fail", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "qa_evaluation_responses",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("evaluation_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluation_responses")),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["qa_evaluations.id"],
            name=op.f("fk_qa_evaluation_responses_evaluation_id_qa_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_qa_evaluation_responses_user_id_users")
        ),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_qa_evaluation_responses_evaluation_id")),
        sa.CheckConstraint(
            "action IN ('acknowledge', 'dispute')",
            name=op.f("ck_qa_evaluation_responses_action"),
        ),
        sa.CheckConstraint(
            "action <> 'dispute' OR length(btrim(reason)) > 0",
            name=op.f("ck_qa_evaluation_responses_dispute_reason"),
        ),
    )
    forms = sa.table(
        "qa_forms",
        sa.column("name", sa.String),
        sa.column("version", sa.Integer),
        sa.column("criteria", postgresql.JSONB),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        forms, [{"name": "1212 call review", "version": 1, "criteria": CALL_REVIEW, "active": True}]
    )
    # refuse_change() comes from the recordings migration (20261129_0005).
    op.execute(
        "CREATE TRIGGER qa_evaluation_responses_append_only BEFORE UPDATE OR DELETE ON "
        "qa_evaluation_responses FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER qa_evaluation_responses_no_truncate BEFORE TRUNCATE ON "
        "qa_evaluation_responses FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("qa_evaluation_responses")
    op.execute(
        "DELETE FROM qa_forms WHERE name = '1212 call review' AND NOT EXISTS "
        "(SELECT 1 FROM qa_evaluations e WHERE e.form_id = qa_forms.id)"
    )
    op.drop_column("qa_evaluations", "critical_fail")
    op.drop_column("qa_evaluations", "item_comments")
    op.drop_constraint("uq_qa_forms_name_version", "qa_forms", type_="unique")
    op.create_unique_constraint("uq_qa_forms_name", "qa_forms", ["name"])
    op.drop_column("qa_forms", "version")
