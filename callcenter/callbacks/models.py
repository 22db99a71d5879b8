"""Callback tasks, the drops that made them, and every transition with its time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class State(StrEnum):
    pending = "pending"  # waiting for its due time and a free agent
    dialing = "dialing"  # an agent is rung / the caller is being dialled
    retry_wait = "retry_wait"  # last attempt failed; next one scheduled
    reached = "reached"
    failed = "failed"
    cancelled = "cancelled"
    not_callable = "not_callable"  # withheld or invalid number: counted, never dialled


OPEN_STATES = (State.pending, State.dialing, State.retry_wait)
DUE_STATES = (State.pending, State.retry_wait)


class CallbackTask(Base):
    __tablename__ = "callback_tasks"
    __table_args__ = (
        # One open task per caller number: a second drop joins it.
        Index(
            "uq_callback_tasks_open_number",
            "number",
            unique=True,
            postgresql_where=text("state IN ('pending', 'dialing', 'retry_wait')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    callable: Mapped[bool] = mapped_column(Boolean)
    queue: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    outcome: Mapped[str | None] = mapped_column(String(32))
    dropped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    drops: Mapped[int] = mapped_column(Integer, default=1)
    first_dial_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent: Mapped[str | None] = mapped_column(String(64))
    assigned_to: Mapped[str | None] = mapped_column(String(64))  # only this agent dials it
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # "drop": made from a dropped call; "requested": the caller pressed 1 at the queue's offer
    origin: Mapped[str] = mapped_column(String(16), default="drop", server_default="drop")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CallbackDrop(Base):
    """A queue call already turned into (or joined to) a task: detection is idempotent."""

    __tablename__ = "callback_drops"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    queue_call_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    task_id: Mapped[int | None] = mapped_column(  # None: not owed (a short abandon)
        ForeignKey("callback_tasks.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))  # the queue call's outcome
    dropped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CallbackEvent(Base):
    """One transition or attempt step of a task, timestamped (the audit trail: a database
    trigger refuses UPDATE, DELETE and TRUNCATE)."""

    __tablename__ = "callback_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("callback_tasks.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str | None] = mapped_column(String(16))  # the task's state after this step
    attempt: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
