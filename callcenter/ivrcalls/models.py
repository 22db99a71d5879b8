"""One row per caller who entered the service's IVR, written when they leave it."""

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

OUTCOMES = ("routed", "hung_up", "closed")


class IvrCall(Base):
    """A caller's path through the IVR: `outcome` routed (to `queue`), hung_up (gone before a
    queue) or closed (out of hours); `option` the main menu's key they chose; `tries` the
    plays of the menu they were in; `fallback` sent to the fallback queue after the tries;
    `case_lookups` case numbers keyed in the case-status sub-menu. `call_id` is the caller's
    channel (Uniqueid, as queue_calls.call_id), `linkedid` the call's (as case_calls)."""

    __tablename__ = "ivr_calls"
    __table_args__ = (
        CheckConstraint("outcome IN ('routed', 'hung_up', 'closed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    option: Mapped[str | None] = mapped_column(String(4))
    language: Mapped[str] = mapped_column(String(8))
    tries: Mapped[int] = mapped_column(SmallInteger)
    fallback: Mapped[bool] = mapped_column(Boolean)
    case_lookups: Mapped[int] = mapped_column(SmallInteger)
