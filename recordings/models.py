"""Recordings catalogue, QA forms and evaluations, and the append-only audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class UploadState(enum.StrEnum):
    hashed = "hashed"  # sha256 taken from the spool file, not yet stored
    uploaded = "uploaded"  # in the bucket, not yet read back
    verified = "verified"  # read back, sha256 matches: spool file deleted
    failed = "failed"  # spool file changed or read-back mismatch: kept, needs a person
    empty = "empty"  # never bridged (no audio): nothing to keep


class Recording(Base):
    __tablename__ = "recordings"
    __table_args__ = (  # the alert and /healthz count the flagged recordings of the last hour
        Index(
            "ix_recordings_incomplete_started_at", "started_at", postgresql_where=text("incomplete")
        ),
        Index(
            "ix_recordings_unchecked_started_at",
            "started_at",
            postgresql_where=text("talk_s IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="queue")
    queue: Mapped[str] = mapped_column(String(64), default="", index=True)
    agent: Mapped[str] = mapped_column(String(64), default="", index=True)
    member: Mapped[str] = mapped_column(String(128), default="")
    caller: Mapped[str] = mapped_column(String(64), default="", index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    # The call's talk time once its queue record is stored (None: not known yet, or no queue
    # call, e.g. a callback); `incomplete`: the recording is much shorter than that talk
    # (media did not flow), see recordings/completeness.py.
    talk_s: Mapped[float | None] = mapped_column(Float)
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    codec: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[str] = mapped_column(String(63))
    object_key: Mapped[str] = mapped_column(String(512))
    version_id: Mapped[str | None] = mapped_column(String(128))
    retain_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    upload_state: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class QaForm(Base):
    __tablename__ = "qa_forms"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    # [{"key": "greeting", "label_en": "...", "label_th": "...", "weight": 2.0}, ...]
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QaEvaluation(Base):
    """Immutable once written (a database trigger refuses UPDATE and DELETE)."""

    __tablename__ = "qa_evaluations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("qa_forms.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ratings: Mapped[dict[str, float]] = mapped_column(JSONB)
    score: Mapped[float] = mapped_column(Float)
    comments: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("qa_evaluations.id"), unique=True)
    supersede_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AuditEntry(Base):
    """Append-only (a database trigger refuses UPDATE and DELETE)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32), index=True)
    recording_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
