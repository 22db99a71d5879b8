"""Which stored queue calls owe a callback: unanswered drops and answered calls cut by a fault."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.ami.models import AmiEvent
from callcenter.callbacks import rules
from callcenter.callbacks.models import CallbackDrop
from callcenter.callbacks.service import Policy
from callcenter.calls.models import QueueCall

# Drops that reach `queue_calls` late (queue_log after an outage) still count, up to a day back:
# past their window they become expired tasks (owed, not attempted), never dialled.
LOOKBACK_S = 86400.0


async def new_drops(
    *, session: AsyncSession, policy: Policy, now: datetime, limit: int = 500
) -> Sequence[QueueCall]:
    """Finished queue calls that owe a callback and are not yet linked to a task."""
    seen = select(CallbackDrop.id).where(CallbackDrop.queue_call_id == QueueCall.id)
    query = (
        select(QueueCall)
        .where(
            QueueCall.entered_at >= now - timedelta(seconds=max(LOOKBACK_S, policy.window_s)),
            QueueCall.outcome.in_(rules.DROP_OUTCOMES),
            QueueCall.ended_at.is_not(None),
            ~seen.exists(),
        )
        .order_by(QueueCall.ended_at, QueueCall.id)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def new_cuts(
    *, session: AsyncSession, policy: Policy, now: datetime, limit: int = 500
) -> list[tuple[QueueCall, datetime]]:
    """Answered queue calls whose caller's channel hung up with a technical cause, not yet linked.

    The cause comes from the stored raw AMI Hangup event of the caller's channel (durable).
    """
    seen = select(CallbackDrop.id).where(CallbackDrop.queue_call_id == QueueCall.id)
    query = (
        select(QueueCall, AmiEvent.event_ts)
        .join(
            AmiEvent,
            (AmiEvent.linkedid == QueueCall.linkedid)
            & (AmiEvent.uniqueid == QueueCall.call_id)
            & (AmiEvent.event == "Hangup"),
        )
        .where(
            # Answered calls are re-read every pass (most are never cut): the window only.
            QueueCall.entered_at >= now - timedelta(seconds=policy.window_s + 3600),
            QueueCall.answered_at.is_not(None),
            AmiEvent.headers["Cause"].astext.in_(rules.TECHNICAL_CAUSES),
            ~seen.exists(),
        )
        .order_by(AmiEvent.event_ts)
        .limit(limit)
    )
    return [(call, at) for call, at in (await session.execute(query)).all()]
