"""`/api/v1/alerts`: a supervisor acknowledges or snoozes wallboard alerts (audited), and
reads who did so when."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from callcenter.alerts.models import AlertAction
from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, errors
from callcenter.services import ServicesDep, SessionsDep
from callcenter.users.deps import SupervisorUser as Supervisor
from callcenter.validation import InputModel

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"], responses=errors(*SIGNED_IN, *CHANGES))
ALERT_ID = r"^[a-z_]{1,40}:[A-Za-z0-9_.-]{1,100}$"


class AcknowledgeIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, Field(pattern=ALERT_ID)]] = Field(
        min_length=1, max_length=64, description="Alert ids (rule:scope) firing now"
    )


class SnoozeIn(AcknowledgeIn):
    minutes: int = Field(ge=1, le=240, description="Hide the alerts for this many minutes")


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    username: str
    alert_id: str
    action: str
    until: datetime | None
    text_en: str


async def _record(
    parts: ServicesDep, user: Supervisor, ids: list[str], action: str, until: float | None
) -> list[AlertAction]:
    now = time.time()
    alerts = parts.alerts
    rows = []
    for alert_id in dict.fromkeys(ids):
        if until is None:
            incident = alerts.acknowledge(alert_id, by=user.username, now=now)
        else:
            incident = alerts.snooze(alert_id, by=user.username, until=until)
        rows.append(
            AlertAction(
                at=datetime.fromtimestamp(now, UTC),
                user_id=user.id,
                username=user.username,
                alert_id=alert_id,
                action=action,
                text_en=incident.alert.text_en[:400],
                until=None if until is None else datetime.fromtimestamp(until, UTC),
            )
        )
    async with transaction(parts.sessions) as session:
        session.add_all(rows)
        await session.flush()
    return rows


@router.post("/acknowledge", response_model=list[ActionOut], status_code=201)
async def acknowledge(
    body: AcknowledgeIn, user: Supervisor, parts: ServicesDep
) -> list[AlertAction]:
    """Mark firing alerts as seen: the board shows them quieter until each incident ends."""
    return await _record(parts, user, body.ids, "acknowledge", None)


@router.post("/snooze", response_model=list[ActionOut], status_code=201)
async def snooze(body: SnoozeIn, user: Supervisor, parts: ServicesDep) -> list[AlertAction]:
    """Hide firing alerts from the board for some minutes (they return if still firing)."""
    return await _record(parts, user, body.ids, "snooze", time.time() + body.minutes * 60)


@router.get("/actions", response_model=list[ActionOut])
async def actions(
    _: Supervisor, sessions: SessionsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> Sequence[AlertAction]:
    """Who acknowledged or snoozed which alert, newest first (the audit trail)."""
    async with sessions() as session:
        stmt = select(AlertAction).order_by(AlertAction.at.desc(), AlertAction.id.desc())
        return (await session.scalars(stmt.limit(limit))).all()
