"""The pack catalogue: every pack built (a revision each), and every failure or lateness noted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class Status(StrEnum):
    built = "built"  # files in S3, listed, e-mailed (emailed_at) or not
    failed = "failed"  # the build failed (error says why); the next round tries again
    late = "late"  # past its due time with no pack yet (noted once, alerted once)


class ReportPack(Base):
    __tablename__ = "report_packs"
    __table_args__ = (
        # One row per revision of a built pack; failures and lateness have no revision.
        Index(
            "uq_report_packs_revision", "kind", "period", "lang", "revision",
            unique=True, postgresql_where="revision IS NOT NULL",
        ),
        Index("ix_report_packs_kind_period", "kind", "period"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | rebuild
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # or noted at
    complete: Mapped[bool | None] = mapped_column(Boolean)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    # [{name, key, version_id, sha256, size, content_type}]: the S3 objects of the pack
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    built_by: Mapped[str] = mapped_column(String(64), default="")  # a user's rebuild
