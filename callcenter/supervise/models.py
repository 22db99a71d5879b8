"""The audit trail of supervisors' live help on agents' calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class SpyAction(Base):
    """One listen/whisper/barge request, whether Asterisk accepted it or not (append-only:
    a database trigger refuses UPDATE, DELETE and TRUNCATE)."""

    __tablename__ = "supervisor_actions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # No foreign key: the trail outlives accounts (and never blocks removing one).
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str] = mapped_column(String(16), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(64))
    agent_state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # queued | failed
    detail: Mapped[str] = mapped_column(String(255), default="")


class AgentAction(Base):
    """One supervisor's action on an agent from the wallboard's grid: pause (with a reason),
    unpause, log out, change a queue penalty; whether Asterisk accepted it or not
    (append-only: a database trigger refuses UPDATE, DELETE and TRUNCATE)."""

    __tablename__ = "supervisor_agent_actions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    interface: Mapped[str] = mapped_column(String(128), index=True)
    agent: Mapped[str] = mapped_column(String(64))  # the member name
    action: Mapped[str] = mapped_column(String(16))  # pause | unpause | logout | penalty
    detail: Mapped[str] = mapped_column(String(255), default="")  # reason, queue=penalty
    agent_state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # done | failed
    error: Mapped[str] = mapped_column(String(255), default="")
