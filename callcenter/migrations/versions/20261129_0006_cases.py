"""cases: complaint cases, taxonomy and agencies (seeded), calls, referrals, files, audit

Revision ID: 20261129_0006
Revises: 20261129_0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "20261129_0006"
down_revision = "20261129_0003"
branch_labels = None
depends_on = None

# (code, queue, Thai, English); the queues are those of asterisk_conf/centre.toml.
SERVICE_LINES = [
    ("online-shopping", "online-shopping", "ซื้อขายออนไลน์", "Online shopping"),
    ("illegal-websites", "illegal-websites", "เว็บไซต์ผิดกฎหมาย", "Illegal websites"),
    ("cyber-threats", "cyber-threats", "ภัยคุกคามไซเบอร์", "Cyber threats"),
    ("digital-law", "digital-law", "สอบถามกฎหมายดิจิทัล", "Digital-law questions"),
    ("digital-platforms", "digital-platforms", "แพลตฟอร์มดิจิทัล", "Digital platforms"),
    ("general-enquiries", "general-enquiries", "สอบถามทั่วไป", "General enquiries"),
]

CATEGORIES = {
    "online-shopping": [
        ("item-not-received", "ไม่ได้รับสินค้า", "Item not received"),
        ("late-delivery", "ส่งสินค้าล่าช้า", "Late delivery"),
        ("incomplete-order", "ได้รับสินค้าไม่ครบ", "Incomplete order"),
        ("wrong-colour-size", "สินค้าผิดสีหรือผิดขนาด", "Wrong colour or size"),
        ("damaged-item", "สินค้าชำรุดเสียหาย", "Damaged item"),
        ("illegal-health-products", "ผลิตภัณฑ์สุขภาพผิดกฎหมาย", "Illegal health products"),
        ("overpriced", "สินค้าราคาแพงเกินจริง", "Overpriced"),
        ("shop-registration-check", "ตรวจสอบการจดทะเบียนร้านค้า", "Shop registration check"),
        ("no-tisi-mark", "สินค้าไม่มีเครื่องหมาย มอก.", "No TISI mark"),
    ],
    "illegal-websites": [
        ("defamation", "หมิ่นประมาท", "Defamation"),
        ("obscenity", "ลามกอนาจาร", "Obscenity"),
        ("national-security", "ความมั่นคงของชาติ", "National security"),
        ("gambling", "การพนัน", "Gambling"),
        ("pyramid-scheme", "แชร์ลูกโซ่", "Pyramid scheme"),
        ("investment-scam", "หลอกลวงให้ลงทุน", "Investment scam"),
        ("loan-scam", "หลอกลวงเงินกู้", "Loan scam"),
        ("scam-gang", "แก๊งคอลเซ็นเตอร์และ SMS หลอกลวง", "Call-centre / SMS scam gang"),
    ],
    "cyber-threats": [
        ("harmful-link", "ลิงก์อันตรายหรือลิงก์ปลอม", "Harmful or false link"),
        ("intrusion", "การบุกรุกระบบ", "Intrusion"),
    ],
    "digital-law": [
        (
            "computer-crime-act",
            "พระราชบัญญัติว่าด้วยการกระทำความผิดเกี่ยวกับคอมพิวเตอร์ พ.ศ. 2550",
            "Computer Crime Act (Computer-Related Crime Act) B.E. 2550 (2007)",
        ),
        (
            "pdpa",
            "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562",
            "Personal Data Protection Act B.E. 2562 (2019) (PDPA)",
        ),
        (
            "electronic-transactions-act",
            "พระราชบัญญัติว่าด้วยธุรกรรมทางอิเล็กทรอนิกส์ พ.ศ. 2544",
            "Electronic Transactions Act B.E. 2544 (2001)",
        ),
        (
            "cybersecurity-act",
            "พระราชบัญญัติการรักษาความมั่นคงปลอดภัยไซเบอร์ พ.ศ. 2562",
            "Cybersecurity Act B.E. 2562 (2019)",
        ),
        (
            "digital-platform-decree",
            "พระราชกฤษฎีกาว่าด้วยการประกอบธุรกิจบริการแพลตฟอร์มดิจิทัล"
            "ที่ต้องแจ้งให้ทราบ พ.ศ. 2565",
            "Royal Decree on the Operation of Digital Platform Service Businesses "
            "B.E. 2565 (2022)",
        ),
        (
            "technology-crime-decree",
            "พระราชกำหนดมาตรการป้องกันและปราบปรามอาชญากรรมทางเทคโนโลยี พ.ศ. 2566",
            # An emergency decree (พระราชกำหนด), often called a "Royal Decree" in English.
            "Emergency Decree on Measures for the Prevention and Suppression of Technology "
            "Crimes B.E. 2566 (2023)",
        ),
    ],
    "digital-platforms": [
        ("unfair-business", "การประกอบธุรกิจที่ไม่เป็นธรรม", "Unfair business"),
        ("online-trading", "การซื้อขายออนไลน์", "Online trading"),
        ("personal-data", "ข้อมูลส่วนบุคคล", "Personal data"),
        ("investment-job-scam", "หลอกลงทุนหรือหลอกทำงาน", "Investment / job scam"),
        ("labour", "แรงงาน", "Labour"),
        ("telecom-regulation", "การกำกับดูแลกิจการโทรคมนาคม", "Telecom regulation"),
        ("content", "เนื้อหา", "Content"),
        ("professional-ethics", "จริยธรรมวิชาชีพ", "Professional ethics"),
    ],
    "general-enquiries": [
        ("general-question", "สอบถามข้อมูลทั่วไป", "General question"),
        ("other", "อื่น ๆ", "Other"),
    ],
}

AGENCIES = [
    ("ocpb", "สำนักงานคณะกรรมการคุ้มครองผู้บริโภค (สคบ.)",
     "Office of the Consumer Protection Board (OCPB)"),
    ("fda", "สำนักงานคณะกรรมการอาหารและยา (อย.)", "Food and Drug Administration (FDA)"),
    ("court-of-justice", "สำนักงานศาลยุติธรรม", "Court of Justice"),
    ("ccib", "กองบัญชาการตำรวจสืบสวนสอบสวนอาชญากรรมทางเทคโนโลยี (บช.สอท.)",
     "Cyber Crime Investigation Bureau (CCIB)"),
    ("tcsd", "กองบังคับการปราบปรามการกระทำความผิดเกี่ยวกับอาชญากรรมทางเทคโนโลยี (บก.ปอท.)",
     "Technology Crime Suppression Division (TCSD)"),
    ("bot", "ธนาคารแห่งประเทศไทย (ธปท.)", "Bank of Thailand"),
    ("dit", "กรมการค้าภายใน", "Department of Internal Trade"),
    ("dbd", "กรมพัฒนาธุรกิจการค้า", "Department of Business Development"),
    ("odr-committee", "คณะกรรมการระงับข้อพิพาทออนไลน์", "Online dispute resolution committee"),
    ("nso", "สำนักงานสถิติแห่งชาติ", "National Statistical Office"),
    ("damrongdhama-1567", "ศูนย์ดำรงธรรม 1567", "1567 Damrongdhama Centre"),
    ("tisi", "สำนักงานมาตรฐานผลิตภัณฑ์อุตสาหกรรม (สมอ.)",
     "Thai Industrial Standards Institute (TISI)"),
    ("ffc", "มูลนิธิเพื่อผู้บริโภค", "Foundation for Consumers"),
    ("tcc", "สภาองค์กรของผู้บริโภค", "Thailand Consumers Council"),
    ("platforms", "ผู้ให้บริการแพลตฟอร์มออนไลน์", "Online platforms"),
]  # fmt: skip

# Refuses UPDATE and DELETE on the audit trail, whoever connects.
AUDIT_GUARD = """
CREATE FUNCTION case_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_audit is append-only';
END $$;
CREATE TRIGGER case_audit_append_only BEFORE UPDATE OR DELETE ON case_audit
    FOR EACH ROW EXECUTE FUNCTION case_audit_append_only();
"""


def _users_fk(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([name], ["users.id"])


def _taxonomy_tables() -> None:
    lines = op.create_table(
        "case_service_lines",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("label_th", sa.String(255), nullable=False),
        sa.Column("label_en", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("sort", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_case_service_lines")),
    )
    categories = op.create_table(
        "case_categories",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("service_line", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("label_th", sa.String(255), nullable=False),
        sa.Column("label_en", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("sort", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_categories")),
        sa.ForeignKeyConstraint(
            ["service_line"], ["case_service_lines.code"],
            name=op.f("fk_case_categories_service_line_case_service_lines"),
        ),
        sa.UniqueConstraint("service_line", "code", name=op.f("uq_case_categories_service_line")),
    )  # fmt: skip
    agencies = op.create_table(
        "case_agencies",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("label_th", sa.String(255), nullable=False),
        sa.Column("label_en", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("sort", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_case_agencies")),
    )
    op.bulk_insert(
        lines,
        [
            {"code": c, "queue": q, "label_th": th, "label_en": en, "active": True, "sort": i}
            for i, (c, q, th, en) in enumerate(SERVICE_LINES)
        ],
    )
    op.bulk_insert(
        categories,
        [
            {"service_line": line, "code": c, "label_th": th, "label_en": en, "active": True,
             "sort": i}
            for line, items in CATEGORIES.items()
            for i, (c, th, en) in enumerate(items)
        ],
    )  # fmt: skip
    op.bulk_insert(
        agencies,
        [
            {"code": c, "label_th": th, "label_en": en, "active": True, "sort": i}
            for i, (c, th, en) in enumerate(AGENCIES)
        ],
    )


def _cases_table() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("caller_name", sa.String(255), nullable=False),
        sa.Column("caller_phone", sa.String(64), nullable=False),
        sa.Column("caller_phone_norm", sa.String(32), nullable=False),
        sa.Column("caller_email", sa.String(255), nullable=False),
        sa.Column("caller_national_id", sa.String(32), nullable=False),
        sa.Column("service_line", sa.String(64), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount_lost", sa.Numeric(14, 2), nullable=True),
        sa.Column("shop_name", sa.String(255), nullable=False),
        sa.Column("platform", sa.String(255), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("fcr_flag", sa.Boolean(), nullable=False),
        sa.Column("success_flag", sa.Boolean(), nullable=False),
        sa.Column("assigned_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_cases_number")),
        sa.ForeignKeyConstraint(["service_line"], ["case_service_lines.code"],
                                name=op.f("fk_cases_service_line_case_service_lines")),
        sa.ForeignKeyConstraint(["category_id"], ["case_categories.id"],
                                name=op.f("fk_cases_category_id_case_categories")),
        sa.ForeignKeyConstraint(["assigned_user_id"], ["users.id"],
                                name=op.f("fk_cases_assigned_user_id_users")),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"],
                                name=op.f("fk_cases_created_by_user_id_users")),
    )  # fmt: skip
    for column in ("status", "caller_phone_norm", "service_line", "assigned_user_id", "created_at"):
        op.create_index(op.f(f"ix_cases_{column}"), "cases", [column])
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_cases_search_doc_trgm", "cases", ["search_doc"],
        postgresql_using="gin", postgresql_ops={"search_doc": "gin_trgm_ops"},
    )  # fmt: skip


def _case_children() -> None:
    op.create_table(
        "case_calls",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("recording_id", sa.String(255), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_calls")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE",
                                name=op.f("fk_case_calls_case_id_cases")),
        sa.UniqueConstraint("case_id", "linkedid", name=op.f("uq_case_calls_case_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_case_calls_case_id"), "case_calls", ["case_id"])
    op.create_index(op.f("ix_case_calls_linkedid"), "case_calls", ["linkedid"])
    op.create_table(
        "case_referrals",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("returned", sa.Boolean(), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_referrals")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE",
                                name=op.f("fk_case_referrals_case_id_cases")),
        sa.ForeignKeyConstraint(["agency"], ["case_agencies.code"],
                                name=op.f("fk_case_referrals_agency_case_agencies")),
    )  # fmt: skip
    op.create_index(op.f("ix_case_referrals_case_id"), "case_referrals", ["case_id"])
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("bucket", sa.String(255), nullable=False),
        sa.Column("object_key", sa.String(1024), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE",
                                name=op.f("fk_case_attachments_case_id_cases")),
        sa.ForeignKeyConstraint(["uploaded_by_user_id"], ["users.id"],
                                name=op.f("fk_case_attachments_uploaded_by_user_id_users")),
    )  # fmt: skip
    op.create_index(op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"])


def _audit_table() -> None:
    op.create_table(
        "case_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_audit")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_case_audit_case_id_cases")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_case_audit_user_id_users")),
    )  # fmt: skip
    op.create_index(op.f("ix_case_audit_case_id"), "case_audit", ["case_id"])
    op.execute(AUDIT_GUARD)


def upgrade() -> None:
    _taxonomy_tables()
    _cases_table()
    _case_children()
    _audit_table()


def downgrade() -> None:
    op.drop_table("case_audit")
    op.execute("DROP FUNCTION IF EXISTS case_audit_append_only()")
    for table in ("case_attachments", "case_referrals", "case_calls", "cases"):
        op.drop_table(table)
    for table in ("case_agencies", "case_categories", "case_service_lines"):
        op.drop_table(table)
