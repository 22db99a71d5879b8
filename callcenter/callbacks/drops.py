"""Which stored queue calls owe a callback: unanswered drops and answered calls cut by a fault."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.ami.models import AmiEvent
from callcenter.callbacks import rules
from callcenter.callbacks.models import CallbackDrop
from callcenter.callbacks.service import (
    SUMMARY,
    Policy,
    Summary,
    as_summary,
    closable,
    summary_params,
)
from callcenter.calls.models import QueueCall

# Drops that reach `queue_calls` late (queue_log after an outage) still count, up to a day back:
# past their window they become expired tasks (owed, not attempted), never dialled.
LOOKBACK_S = 86400.0


@dataclass(frozen=True)
class Probe:
    """What one pass has to do: new drops or cuts to link, and the open tasks' summary."""

    drops: bool
    cuts: bool
    closable: bool  # tasks to expire or to cancel because the caller got through
    summary: Summary


# The times are bound parameters, so each statement is built once and SQLAlchemy's cache
# key of it is computed once: a statement rebuilt every pass walked its whole tree again.
_NOW = bindparam("now", type_=DateTime(timezone=True))
_DROPS_SINCE = bindparam("drops_since", type_=DateTime(timezone=True))
_CUTS_SINCE = bindparam("cuts_since", type_=DateTime(timezone=True))


def _params(policy: Policy, now: datetime) -> dict[str, datetime]:
    return {
        "now": now,
        "drops_since": now - timedelta(seconds=max(LOOKBACK_S, policy.window_s)),
        # Answered calls are re-read every pass (most are never cut): the window only.
        "cuts_since": now - timedelta(seconds=policy.window_s + 3600),
    }


def _unseen() -> Any:
    return ~select(CallbackDrop.id).where(CallbackDrop.queue_call_id == QueueCall.id).exists()


_DROPS = select(QueueCall).where(
    QueueCall.entered_at >= _DROPS_SINCE,
    QueueCall.outcome.in_(rules.DROP_OUTCOMES),
    QueueCall.ended_at.is_not(None),
    _unseen(),
)
# Answered calls whose caller's channel hung up with a technical cause (the stored raw AMI
# Hangup event of the caller's channel: durable).
_CUTS = (
    select(QueueCall, AmiEvent.event_ts)
    .join(
        AmiEvent,
        (AmiEvent.linkedid == QueueCall.linkedid)
        & (AmiEvent.uniqueid == QueueCall.call_id)
        & (AmiEvent.event == "Hangup"),
    )
    .where(
        QueueCall.entered_at >= _CUTS_SINCE,
        QueueCall.answered_at.is_not(None),
        AmiEvent.headers["Cause"].astext.in_(rules.TECHNICAL_CAUSES),
        _unseen(),
    )
)
_PROBE = select(exists(_DROPS), exists(_CUTS), exists(closable(_NOW)), *SUMMARY.subquery().c)


async def probe(*, session: AsyncSession, policy: Policy, now: datetime) -> Probe:
    """One statement: drops or cuts not yet linked, tasks to close, the open tasks' summary.

    The detector asks this every pass and runs the fuller queries only when they have work.
    """
    params = {**_params(policy, now), **summary_params(now)}
    row = (await session.execute(_PROBE, params)).one()
    return Probe(
        drops=bool(row[0]), cuts=bool(row[1]), closable=bool(row[2]), summary=as_summary(row[3:])
    )


async def new_drops(
    *, session: AsyncSession, policy: Policy, now: datetime, limit: int = 500
) -> Sequence[QueueCall]:
    """Finished queue calls that owe a callback and are not yet linked to a task."""
    query = _DROPS.order_by(QueueCall.ended_at, QueueCall.id).limit(limit)
    return (await session.scalars(query, _params(policy, now))).all()


async def new_cuts(
    *, session: AsyncSession, policy: Policy, now: datetime, limit: int = 500
) -> list[tuple[QueueCall, datetime]]:
    """Answered queue calls cut by a technical fault, not yet linked (see `_CUTS`)."""
    query = _CUTS.order_by(AmiEvent.event_ts).limit(limit)
    return [(call, at) for call, at in (await session.execute(query, _params(policy, now))).all()]
