"""Exports of a period's calls, callbacks and cases as CSV or Excel, masked by role, audited.

Supervisors and admins get the caller's number and case contact fields as they see them on
screen; viewers (the client's staff) get every personal field masked (callcenter.privacy,
callcenter.cases.privacy), no agent names and no complaint text. Every export is a row
of the audit log (`audit_log`, action `export`: who, what, which period, how many rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.callbacks.models import CallbackTask
from callcenter.calls.models import QueueCall
from callcenter.cases import privacy as case_privacy
from callcenter.cases.models import Case
from callcenter.privacy import mask_number

KINDS = ("calls", "callbacks", "cases")
MAX_ROWS = 500_000


def _at(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else ""


async def rows(
    session: AsyncSession, *, what: str, start: datetime, end: datetime, tz: tzinfo, masked: bool
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of one export (masked: a viewer's)."""
    if what == "calls":
        calls = await session.scalars(
            select(QueueCall)
            .where(QueueCall.entered_at >= start, QueueCall.entered_at < end)
            .order_by(QueueCall.entered_at, QueueCall.id)
            .limit(MAX_ROWS)
        )
        header = ["call_id", "queue", "entered_at", "caller", "outcome", "wait_s", "agent",
                  "talk_s", "hold_s", "wrapup_s"]  # fmt: skip
        return header, [
            [c.call_id, c.queue, _at(c.entered_at, tz),
             mask_number(c.caller) if masked else c.caller, c.outcome, c.wait_s,
             "" if masked else c.agent or "", c.talk_s, c.hold_s, c.wrapup_s]
            for c in calls
        ]  # fmt: skip
    if what == "callbacks":
        tasks = await session.scalars(
            select(CallbackTask)
            .where(CallbackTask.dropped_at >= start, CallbackTask.dropped_at < end)
            .order_by(CallbackTask.dropped_at, CallbackTask.id)
            .limit(MAX_ROWS)
        )
        header = ["task_id", "queue", "number", "dropped_at", "deadline_at", "first_dial_at",
                  "reached_at", "state", "outcome", "attempts", "drops"]  # fmt: skip
        return header, [
            [t.id, t.queue, mask_number(t.number) if masked else t.number, _at(t.dropped_at, tz),
             _at(t.deadline_at, tz), _at(t.first_dial_at, tz), _at(t.reached_at, tz), t.state,
             t.outcome or "", t.attempts, t.drops]
            for t in tasks
        ]  # fmt: skip
    cases = await session.scalars(
        select(Case)
        .where(Case.created_at >= start, Case.created_at < end, Case.voided_at.is_(None))
        .order_by(Case.created_at, Case.id)
        .limit(MAX_ROWS)
    )
    personal = case_privacy.PERSONAL_FIELDS
    header = ["number", "opened_at", "channel", "status", "service_line", "category_id",
              *personal, "fcr_flag", "success_flag", "closed_at"]  # fmt: skip
    if not masked:
        header.append("description")
    out = []
    for c in cases:
        contact = [
            case_privacy.mask(f, getattr(c, f)) if masked else getattr(c, f) for f in personal
        ]
        row = [c.number or str(c.id), _at(c.created_at, tz), c.channel, c.status,
               c.service_line, c.category_id, *contact, c.fcr_flag, c.success_flag,
               _at(c.closed_at, tz)]  # fmt: skip
        if not masked:
            row.append(c.description)
        out.append(row)
    return header, out


def as_csv(header: Sequence[str], data: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(data)
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens Thai CSV as UTF-8


def as_xlsx(header: Sequence[str], data: Sequence[Sequence[Any]], title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for row in data:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
