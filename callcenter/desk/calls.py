"""The agent's recent calls and their wrap-up dispositions (stored against the call)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import QueueCall
from callcenter.centre import AgentDef, Centre
from callcenter.desk.dispositions import Disposition as Code
from callcenter.desk.models import Disposition
from callcenter.desk.schemas import RecentCall
from callcenter.errors import InvalidInput, NotFound
from callcenter.users.models import User

RECENT = 20
# Outbound calls the desk placed, per agent (this process): call id → (number, at).
_dialled: dict[str, OrderedDict[str, tuple[str, float]]] = {}


class UnknownDisposition(InvalidInput):
    error_id = "unknown_disposition"


class NotYourCall(NotFound):
    error_id = "unknown_call"


def remember_dial(agent_id: str, call_id: str, number: str, at: float) -> None:
    calls = _dialled.setdefault(agent_id, OrderedDict())
    calls[call_id] = (number, at)
    while len(calls) > RECENT:
        calls.popitem(last=False)


def _names(agent: AgentDef) -> tuple[str, str]:
    return agent.id, f"PJSIP/{agent.id}"


async def check_call(
    *, session: AsyncSession, agent: AgentDef, call_id: str, live: Iterable[Mapping[str, Any]]
) -> str:
    """The queue of the agent's call `call_id` ("" for a desk call); 404 for anyone else's."""
    for pop in live:
        if pop.get("call_id") == call_id:
            return str(pop.get("queue") or "")
    if call_id in _dialled.get(agent.id, {}):
        return ""
    stmt = select(QueueCall.queue).where(
        QueueCall.linkedid == call_id, QueueCall.agent.in_(_names(agent))
    )
    queue = (await session.scalars(stmt.limit(1))).first()
    if queue is None:
        raise NotYourCall(
            f"Call {call_id} is not one of your calls.",
            hint_th="ไม่พบสายนี้ในสายของคุณ",
            call_id=call_id,
        )
    return queue


def code_of(codes: list[Code], code: str) -> Code:
    for known in codes:
        if known.code == code:
            return known
    raise UnknownDisposition(
        f"Unknown disposition code {code!r}.",
        hint_th="ไม่รู้จักรหัสผลการโทรนี้",
        code=code,
        allowed=[c.code for c in codes],
    )


def record(
    *, session: AsyncSession, agent: AgentDef, user: User, call_id: str, queue: str,
    code: str, note: str, now: datetime,
) -> Disposition:  # fmt: skip
    row = Disposition(
        linkedid=call_id, queue=queue, agent_id=agent.id, user_id=user.id,
        username=user.username, code=code, note=note, at=now,
    )  # fmt: skip
    session.add(row)
    return row


async def recent(
    *, session: AsyncSession, layout: Centre, agent: AgentDef, live: Iterable[Mapping[str, Any]]
) -> list[RecentCall]:
    """The agent's newest calls (live pops, stored queue calls, desk dials) with the newest
    disposition of each, newest first."""
    labels = {q.name: (q.label_th, q.label_en) for q in layout.queues}
    calls: dict[str, RecentCall] = {}
    stmt = (
        select(QueueCall)
        .where(QueueCall.agent.in_(_names(agent)))
        .order_by(QueueCall.entered_at.desc())
        .limit(RECENT)
    )
    for row in await session.scalars(stmt):
        th, en = labels.get(row.queue, (row.queue, row.queue))
        calls[row.linkedid] = RecentCall(
            call_id=row.linkedid, direction="inbound", queue=row.queue, label_th=th,
            label_en=en, number=row.caller, at=row.entered_at, talk_s=row.talk_s,
            outcome=row.outcome,
        )  # fmt: skip
    for pop in live:
        key = str(pop.get("call_id", ""))
        if key and key not in calls and pop.get("stage") != "missed":
            queue = str(pop.get("queue", ""))
            th, en = labels.get(queue, (queue, queue))
            at = datetime.fromtimestamp(float(pop.get("at") or 0), UTC)
            calls[key] = RecentCall(
                call_id=key, direction="inbound", queue=queue, label_th=th, label_en=en,
                number=str(pop.get("caller", "")), at=at, outcome=str(pop.get("stage")),
            )  # fmt: skip
    for key, (number, dialled_at) in _dialled.get(agent.id, {}).items():
        calls.setdefault(
            key,
            RecentCall(
                call_id=key, direction="outbound", number=number,
                at=datetime.fromtimestamp(dialled_at, UTC), label_th="โทรออก", label_en="Outbound",
            ),
        )  # fmt: skip
    if calls:
        rows = await session.scalars(
            select(Disposition)
            .where(Disposition.linkedid.in_(list(calls)), Disposition.agent_id == agent.id)
            .order_by(Disposition.at, Disposition.id)
        )
        for d in rows:
            calls[d.linkedid].disposition = d.code  # the newest wins
    return sorted(calls.values(), key=lambda c: c.at, reverse=True)[:RECENT]
