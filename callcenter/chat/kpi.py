"""Chat KPIs, definition `chat-v1` (docs/kpi-v1.md, "Chat KPIs").

Two sources give the same facts per conversation: the conversations' own columns (what
the inbox shows; `figures`) and the stored messages with the desk's hand-off and close
notes (`recount`, which an auditor can run and a test compares). One formula (`kpis`)
turns the facts into figures, per channel and for all channels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.chat.models import Author, Conversation, Direction, Message
from callcenter.chat.sla import CHANNELS
from callcenter.chat.sla import Rules as SlaRules

DEFINITION = "chat-v1"
# How `callcenter kpi` names the figures (Thai · English), and their targets.
LABELS = {
    "chat_offered": "แชตที่ส่งต่อเจ้าหน้าที่ · Chats offered",
    "chat_handled": "ตอบแล้ว · Handled",
    "chat_abandoned": "ลูกค้าไปก่อนได้คำตอบ · Gone before a reply",
    "chat_waiting": "รอคำตอบ · Waiting",
    "chat_answered_within_sla": "ตอบทันเวลา · Answered within SLA",
    "chat_sl_pct": "ระดับบริการแชต % · Chat service level %",
    "chat_first_response_p50_s": "ตอบครั้งแรก p50 (วินาที) · First response p50 s",
    "chat_first_response_p90_s": "ตอบครั้งแรก p90 (วินาที) · First response p90 s",
}
TARGETS = {"chat_sl_pct": "≥ 90"}


@dataclass(frozen=True)
class Facts:
    """One conversation offered to the admins: when, when its first reply was due (stored at
    the hand-off: the channel's target in its business hours), its first human reply, when it
    ended."""

    conversation_id: int
    channel: str
    handed_off_at: datetime
    due_at: datetime
    first_reply_at: datetime | None
    ended_at: datetime | None  # closed by an admin, or the customer blocked the account


def kpis(facts: Iterable[Facts], *, now: datetime) -> dict[str, Any]:
    """The chat-v1 figures of conversations handed off in a period (each against its own
    stored due time)."""
    offered = handled = abandoned = waiting = within = known = 0
    waits: list[float] = []
    for f in facts:
        offered += 1
        if f.first_reply_at is not None:
            handled += 1
            waits.append((f.first_reply_at - f.handed_off_at).total_seconds())
            within += f.first_reply_at <= f.due_at
            known += 1
        elif f.ended_at is not None:
            abandoned += 1
            known += 1
        else:
            waiting += 1
            known += now > f.due_at  # already late: a breach whatever happens next
    return {
        "chat_offered": offered,
        "chat_handled": handled,
        "chat_abandoned": abandoned,
        "chat_waiting": waiting,
        "chat_answered_within_sla": within,
        "chat_sl_pct": round(within / known * 100, 1) if known else None,
        "chat_first_response_p50_s": _rank(waits, 50),
        "chat_first_response_p90_s": _rank(waits, 90),
    }


def by_channel(facts: list[Facts], *, sla: SlaRules, now: datetime) -> dict[str, Any]:
    """All channels together and each on its own, with the SLA rules they were judged by."""
    channels = sorted({f.channel for f in facts})
    return {
        "definition": DEFINITION,
        "sla_s": {c: sla.target(c) for c in CHANNELS},
        "sla_24_7": {c: sla.around_the_clock(c) for c in CHANNELS},
        "total": kpis(facts, now=now),
        "channels": {c: kpis([f for f in facts if f.channel == c], now=now) for c in channels},
    }


async def figures(
    *, session: AsyncSession, start: datetime, end: datetime, sla: SlaRules, now: datetime
) -> dict[str, Any]:
    """chat-v1 from the conversations' columns, for hand-offs in [start, end)."""
    stmt = select(Conversation).where(
        Conversation.handed_off_at >= start, Conversation.handed_off_at < end
    )
    facts = [
        Facts(c.id, c.channel, c.handed_off_at, c.reply_due_at, c.first_human_reply_at, c.closed_at)
        for c in (await session.scalars(stmt)).all()
        if c.handed_off_at is not None and c.reply_due_at is not None
    ]
    return by_channel(facts, sla=sla, now=now)


async def recount(
    *, session: AsyncSession, start: datetime, end: datetime, sla: SlaRules, now: datetime
) -> dict[str, Any]:
    """chat-v1 from the stored messages alone: hand-off notes (with their due time), admins'
    messages, close notes."""
    offered = (
        select(Message.conversation_id)
        .where(Message.kind == "handoff", Message.at >= start, Message.at < end)
        .scalar_subquery()
    )
    stmt = select(Message).where(Message.conversation_id.in_(offered)).order_by(Message.id)
    rows = (await session.scalars(stmt)).all()
    return by_channel(_facts_of(rows), sla=sla, now=now)


def _facts_of(messages: Iterable[Message]) -> list[Facts]:
    seen: dict[int, dict[str, Any]] = {}
    for m in messages:
        f = seen.setdefault(m.conversation_id, {"channel": m.channel})
        if m.direction == Direction.internal and m.kind in ("handoff", "close"):
            f.setdefault(m.kind, m.at)
            if m.kind == "handoff":
                f.setdefault("due", m.due_at)
        elif m.direction == Direction.outbound and m.author == Author.admin:
            f.setdefault("reply", m.at)
    return [
        Facts(cid, f["channel"], f["handoff"], f["due"], f.get("reply"), f.get("close"))
        for cid, f in seen.items()
        if "handoff" in f and f["due"] is not None
    ]


def _rank(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)
