"""Queue calls as kpi-v1 counts them: one row per entry of a caller into a queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

# A finished call's share of the period checksum that proves the stored calls are queue_log's
# (callcenter.reconcile.service.digest is its Python twin): 60 bits of the md5 of its caller
# channel, queue, outcome, wait and talk. Kept with the row, so a report sums it and does not
# hash a year of calls (0.2 s a month of them).
ROW_DIGEST = (
    "('x' || substr(md5(call_id || '|' || queue || '|' || coalesce(outcome, '') || '|' "
    "|| coalesce(wait_s::text, '') || '|' || coalesce(talk_s::text, '')), 1, 15))"
    "::bit(60)::bigint"
)


class QueueCall(Base):
    __tablename__ = "queue_calls"
    __table_args__ = (
        UniqueConstraint("call_id", "queue", "entered_at"),
        Index("ix_queue_calls_caller_entered_at", "caller", "entered_at"),  # a caller's history
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    caller: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str | None] = mapped_column(String(16))
    wait_s: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    talk_s: Mapped[int | None] = mapped_column(Integer)
    hold_s: Mapped[int] = mapped_column(Integer, default=0)
    wrapup_s: Mapped[int] = mapped_column(Integer, default=0)
    transferred_to: Mapped[str | None] = mapped_column(String(64))
    # "ami" when the live stream saw it, "queue_log" when reconciliation filled it in.
    source: Mapped[str] = mapped_column(String(16), default="ami")
    row_digest: Mapped[int | None] = mapped_column(BigInteger, Computed(ROW_DIGEST, persisted=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AgentEvent(Base):
    """A queue member's log-in (add), log-out (remove), pause (with reason), unpause, or a
    ring it did not answer (rna), from queue_log (callcenter/calls/agent_time.py)."""

    __tablename__ = "agent_events"
    __table_args__ = (UniqueConstraint("agent", "queue", "kind", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
    ring_ms: Mapped[int | None] = mapped_column(Integer)
