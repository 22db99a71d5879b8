"""`/api/v1/alerts`: a supervisor acknowledges or snoozes wallboard alerts (audited), and
reads who did so when."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from callcenter.alerts import rules as alert_rules
from callcenter.alerts.models import AlertAction, AlertThreshold
from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, InvalidInput, errors
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


class ThresholdIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(max_length=40, description="One of the editable rules (GET thresholds)")
    scope: str = Field(max_length=100, description="A queue name, or 'centre'")
    threshold: float | None = Field(
        default=None, allow_inf_nan=False, description="None: back to the configured one"
    )


@router.get("/thresholds")
async def thresholds(_: Supervisor, parts: ServicesDep) -> dict[str, Any]:
    """Each editable rule in each queue (and the centre where the rule covers it): the
    threshold in force, the configured one and who changed it."""
    alerts, layout = parts.alerts, parts.layout
    scopes = [(q.name, q.label_th, q.label_en) for q in layout.queues]
    scopes.append((alert_rules.CENTRE, *alert_rules.CENTRE_LABELS))
    rows = []
    for rule in alerts.rules():
        if rule.kind not in alert_rules.EDITABLE:
            continue
        th, en, unit, low, high = alert_rules.EDITABLE[rule.kind]
        for name, label_th, label_en in scopes:
            if not (rule.centre if name == alert_rules.CENTRE else rule.queues):
                continue
            own = alerts.thresholds.get((rule.kind, name))
            rows.append({
                "rule": rule.kind, "scope": name, "label_th": label_th, "label_en": label_en,
                "rule_th": th, "rule_en": en, "unit": unit, "min": low, "max": high,
                "threshold": rule.threshold if own is None else own,
                "configured": rule.threshold, "changed": own is not None,
            })  # fmt: skip
    return {"thresholds": rows}


@router.put("/thresholds", response_model=ActionOut)
async def set_threshold(body: ThresholdIn, user: Supervisor, parts: ServicesDep) -> AlertAction:
    """A queue's own threshold for a rule (audited); threshold null: the configured one."""
    known = {r.kind: r for r in parts.alerts.rules() if r.kind in alert_rules.EDITABLE}
    scopes = [*parts.layout.queue_names, alert_rules.CENTRE]
    if body.rule not in known or body.scope not in scopes:
        raise InvalidInput(
            "Unknown rule or scope.", hint_th="ไม่รู้จักกฎหรือคิวนี้",
            rules=sorted(known), scopes=scopes,
        )  # fmt: skip
    _, _, unit, low, high = alert_rules.EDITABLE[body.rule]
    if body.threshold is not None and not low <= body.threshold <= high:
        raise InvalidInput(
            f"The threshold must be between {low:g} and {high:g}{unit}.",
            hint_th=f"ค่าต้องอยู่ระหว่าง {low:g} ถึง {high:g}",
        )
    before = parts.alerts.thresholds.get((body.rule, body.scope), known[body.rule].threshold)
    now = datetime.now(UTC)
    row = AlertAction(
        at=now, user_id=user.id, username=user.username, alert_id=f"{body.rule}:{body.scope}",
        action="threshold", until=None,
        text_en=f"{before:g} -> {'configured ' if body.threshold is None else ''}"
        f"{known[body.rule].threshold if body.threshold is None else body.threshold:g}",
    )  # fmt: skip
    async with transaction(parts.sessions) as session:
        stored = await session.get(AlertThreshold, (body.rule, body.scope))
        if body.threshold is None:
            if stored is not None:
                await session.delete(stored)
        elif stored is None:
            session.add(
                AlertThreshold(
                    rule=body.rule,
                    scope=body.scope,
                    threshold=body.threshold,
                    updated_by=user.username,
                    updated_at=now,
                )
            )
        else:
            stored.threshold, stored.updated_by, stored.updated_at = (
                body.threshold, user.username, now,
            )  # fmt: skip
        session.add(row)
        await session.flush()
    parts.alerts.set_threshold(body.rule, body.scope, body.threshold)
    return row


@router.get("/history")
async def history(_: Supervisor, parts: ServicesDep) -> dict[str, Any]:
    """The latest 200 incidents, newest first (kept in the database across restarts): when
    each fired, when it ended (None: still firing) and who acknowledged it."""
    return {"incidents": await parts.alerts.stored_history()}
