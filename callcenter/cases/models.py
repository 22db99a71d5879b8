"""Complaint cases and the data they point at: taxonomy, agencies, calls, files, audit."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class Channel(enum.StrEnum):
    phone = "phone"
    line = "line"
    facebook = "facebook"
    email = "email"
    web = "web"
    walk_in = "walk_in"  # the complainant came in person


class Status(enum.StrEnum):
    new = "new"
    in_progress = "in_progress"
    referred = "referred"
    waiting_for_caller = "waiting_for_caller"
    resolved = "resolved"
    closed = "closed"


class ServiceLine(Base):
    """A service line of the hotline; `queue` is its queue in asterisk_conf/centre.toml."""

    __tablename__ = "case_service_lines"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64))
    label_th: Mapped[str] = mapped_column(String(255))
    label_en: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    sort: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Category(Base):
    """A sub-category of one service line."""

    __tablename__ = "case_categories"
    __table_args__ = (UniqueConstraint("service_line", "code"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    service_line: Mapped[str] = mapped_column(ForeignKey("case_service_lines.code"))
    code: Mapped[str] = mapped_column(String(64))
    label_th: Mapped[str] = mapped_column(String(255))
    label_en: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    sort: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Agency(Base):
    """A partner agency a case can be referred to."""

    __tablename__ = "case_agencies"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label_th: Mapped[str] = mapped_column(String(255))
    label_en: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    sort: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "ix_cases_search_doc_trgm",
            "search_doc",
            postgresql_using="gin",
            postgresql_ops={"search_doc": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default=Status.new.value, index=True)
    caller_name: Mapped[str] = mapped_column(String(255), default="")
    caller_phone: Mapped[str] = mapped_column(String(64), default="")
    # Digits only, Thai national format (0XXXXXXXXX): how calls and cases find the same caller.
    caller_phone_norm: Mapped[str] = mapped_column(String(32), default="", index=True)
    caller_email: Mapped[str] = mapped_column(String(255), default="")
    caller_national_id: Mapped[str] = mapped_column(String(32), default="")
    service_line: Mapped[str] = mapped_column(ForeignKey("case_service_lines.code"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("case_categories.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    amount_lost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    shop_name: Mapped[str] = mapped_column(String(255), default="")
    platform: Mapped[str] = mapped_column(String(255), default="")
    url: Mapped[str] = mapped_column(String(2048), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    fcr_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    success_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Tokenised (Thai newmm) lower-case text of the case: what free-text search matches.
    search_doc: Mapped[str] = mapped_column(Text, default="")
    # Voided (test data, a duplicate): kept with its audit trail, gone from lists and KPIs.
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # A follow-up reminder: the desk lists the case to its agent from this moment on.
    follow_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseCall(Base):
    """A call about the case (by Asterisk linkedid, so no dependency on other call tables)."""

    __tablename__ = "case_calls"
    __table_args__ = (UniqueConstraint("case_id", "linkedid"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    call_id: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    recording_id: Mapped[str | None] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Referral(Base):
    __tablename__ = "case_referrals"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(ForeignKey("case_agencies.code"))
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    returned: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_note: Mapped[str] = mapped_column(Text, default="")


class Attachment(Base):
    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    bucket: Mapped[str] = mapped_column(String(255))
    object_key: Mapped[str] = mapped_column(String(1024))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseAuditEntry(Base):
    """Append-only (a trigger refuses UPDATE and DELETE): who changed which field, when."""

    __tablename__ = "case_audit"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
