"""The audit trail of supervisors' acknowledgements and snoozes of wallboard alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Identity, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class AlertAction(Base):
    """One acknowledge or snooze of one alert (append-only: a database trigger refuses
    UPDATE, DELETE and TRUNCATE)."""

    __tablename__ = "alert_actions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # No foreign key: the trail outlives accounts.
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    alert_id: Mapped[str] = mapped_column(String(160), index=True)  # rule:scope
    action: Mapped[str] = mapped_column(String(16))  # acknowledge | snooze
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # snooze's end
    # The alert's text as the supervisor saw it (what was acknowledged).
    text_en: Mapped[str] = mapped_column(String(400), default="")


class AlertThreshold(Base):
    """A supervisor's threshold for one rule in one queue (or the centre), replacing the
    configured one there; every change is also in alert_actions."""

    __tablename__ = "alert_thresholds"

    rule: Mapped[str] = mapped_column(String(40), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    threshold: Mapped[float] = mapped_column(Float)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertIncident(Base):
    """One incident of one alert id (rule:scope): firing from `started_at` to `ended_at`
    (None: still firing, or the service stopped while it fired). The wallboard's history."""

    __tablename__ = "alert_incidents"
    __table_args__ = (UniqueConstraint("alert_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(160))
    rule: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(16))
    text_th: Mapped[str] = mapped_column(String(400))
    text_en: Mapped[str] = mapped_column(String(400))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
