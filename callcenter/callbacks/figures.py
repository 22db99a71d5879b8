"""Callback KPIs of a period (docs/kpi-v1.md "Callback KPIs") from the stored tasks and drops."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter.callbacks import rules
from callcenter.callbacks.models import CallbackDrop, CallbackTask
from callcenter.calls.models import QueueCall


async def kpis(
    *, session: AsyncSession, start: datetime, end: datetime, window_s: float, queue: str | None
) -> dict[str, Any]:
    """Callback KPIs of the tasks whose (first) drop fell in [start, end)."""
    query = select(CallbackTask).where(
        CallbackTask.dropped_at >= start, CallbackTask.dropped_at < end
    )
    if queue is not None:
        query = query.where(CallbackTask.queue == queue)
    facts = [
        rules.TaskFacts(
            callable=t.callable,
            outcome=t.outcome,
            dropped_at=t.dropped_at,
            first_dial_at=t.first_dial_at,
            reached_at=t.reached_at,
            requested=t.origin == "requested",
        )
        for t in (await session.scalars(query)).all()
    ]
    joined = await drops_joined(session=session, start=start, end=end, queue=queue)
    return rules.kpis(facts, window_s=window_s, drops_joined=joined)


async def drops_joined(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None
) -> int:
    """Drops in [start, end) (of `queue`'s calls) that joined a task an earlier drop opened."""
    earlier = aliased(CallbackDrop)
    query = (
        select(func.count())
        .select_from(CallbackDrop)
        .join(QueueCall, QueueCall.id == CallbackDrop.queue_call_id)
        .where(
            CallbackDrop.dropped_at >= start,
            CallbackDrop.dropped_at < end,
            select(earlier.id)
            .where(earlier.task_id == CallbackDrop.task_id, earlier.id < CallbackDrop.id)
            .exists(),
        )
    )
    if queue is not None:
        query = query.where(QueueCall.queue == queue)
    return int(await session.scalar(query) or 0)


async def outcomes(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None
) -> list[dict[str, Any]]:
    """The tasks of the period by state and outcome (why a callback failed or was cancelled),
    with their dial attempts: the report packs' table beside the callback KPIs."""
    query = (
        select(
            CallbackTask.state, CallbackTask.outcome, func.count(), func.sum(CallbackTask.attempts)
        )
        .where(CallbackTask.dropped_at >= start, CallbackTask.dropped_at < end)
        .group_by(CallbackTask.state, CallbackTask.outcome)
        .order_by(func.count().desc(), CallbackTask.state, CallbackTask.outcome)
    )
    if queue is not None:
        query = query.where(CallbackTask.queue == queue)
    return [
        {"state": state, "outcome": outcome or "", "tasks": int(n), "attempts": int(a or 0)}
        for state, outcome, n, a in (await session.execute(query)).all()
    ]
