"""What agents record at the desk: a wrap-up disposition per call (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class Disposition(Base):
    """One wrap-up code given to one call by its agent; a second one for the same call is a
    correction (the newest counts); rows are never changed or deleted (its own audit trail)."""

    __tablename__ = "call_dispositions"
    __table_args__ = (Index("ix_call_dispositions_linkedid_at", "linkedid", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64))  # the call (Asterisk linkedid)
    queue: Mapped[str] = mapped_column(String(64), default="")
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(255))
    code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
