"""Recordings catalogue, QA forms and evaluations, and the append-only audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
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
    """One version of a form: a new version is a new row (the old one inactive), so an
    evaluation keeps the version it was scored on."""

    __tablename__ = "qa_forms"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # [{"key": "greeting", "label_en": "...", "label_th": "...", "weight": 2.0,
    #   "section_en": "...", "section_th": "...", "scale": "0-100" | "yes_no" | "1-5",
    #   "allow_na": false, "critical": false}, ...] (recordings/qa.py; the last four optional)
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
    ratings: Mapped[dict[str, float | None]] = mapped_column(JSONB)  # None: not applicable
    score: Mapped[float] = mapped_column(Float)
    comments: Mapped[str] = mapped_column(Text, default="")
    item_comments: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    critical_fail: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("qa_evaluations.id"), unique=True)
    supersede_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class QaResponse(Base):
    """An agent's acknowledgement or dispute of an evaluation of their call: one per
    evaluation, append-only (a database trigger refuses UPDATE, DELETE and TRUNCATE)."""

    __tablename__ = "qa_evaluation_responses"
    __table_args__ = (
        CheckConstraint("action IN ('acknowledge', 'dispute')", name="action"),
        CheckConstraint("action <> 'dispute' OR length(btrim(reason)) > 0", name="dispute_reason"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluations.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # "acknowledge" | "dispute"
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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
