"""One row per survey offered: the caller stayed on after the agent hung up (queues with CSAT)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Identity,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class CsatResponse(Base):
    """A survey of one answered call: `rating` 1-5 (None: offered, not answered), `solved`
    (the optional "was your problem solved", None: no answer). The call is the caller's
    channel (`call_id`) and its `linkedid` (what a case links: case_calls.linkedid)."""

    __tablename__ = "csat_responses"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64), index=True)
    agent: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
