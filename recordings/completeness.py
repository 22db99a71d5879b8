"""Does each stored recording last as long as its call? A recording much shorter than the
call's talk time lost its media (nothing flowed into MixMonitor, a Local channel was
optimised away, the disk filled): it is flagged `incomplete` in the catalogue, counted on
/healthz and raised as an alert, because no other part of the centre notices.

The talk time comes from the call's queue record (kpi-v1 `talk_s`, every queue entry of the
recorded channel summed), which is stored a moment before or after the recording itself:
each uploader round checks the recent recordings that have no talk time yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import QueueCall
from recordings.models import Recording

log = logging.getLogger(__name__)

LOOKBACK_S = 3600.0  # recordings older than this without a queue record stay unchecked
ALERT_WINDOW_S = 3600.0  # /healthz and the alert count the flagged recordings of the last hour


@dataclass(frozen=True, slots=True)
class Checked:
    uniqueid: str
    queue: str
    agent: str
    duration_s: float
    talk_s: float
    incomplete: bool


async def check(*, session: AsyncSession, tolerance_s: float, now: datetime) -> list[Checked]:
    """Give the recent unchecked recordings their call's talk time, flag the short ones."""
    since = now - timedelta(seconds=LOOKBACK_S)
    unchecked = select(Recording.uniqueid).where(
        Recording.talk_s.is_(None), Recording.started_at >= since
    )
    talk = (
        select(QueueCall.call_id, func.sum(QueueCall.talk_s).label("talk"))
        .where(QueueCall.call_id.in_(unchecked))
        .group_by(QueueCall.call_id)
        # every entry of the call has ended (a transfer's second leg may still be talking)
        .having(func.bool_and(QueueCall.ended_at.is_not(None)), func.count(QueueCall.talk_s) > 0)
        .subquery()
    )
    stmt = (
        update(Recording)
        .where(
            Recording.uniqueid == talk.c.call_id,
            Recording.talk_s.is_(None),
            Recording.started_at >= since,
        )
        .values(talk_s=talk.c.talk, incomplete=Recording.duration_s < talk.c.talk - tolerance_s)
        .returning(
            Recording.uniqueid,
            Recording.queue,
            Recording.agent,
            Recording.duration_s,
            Recording.talk_s,
            Recording.incomplete,
        )
        .execution_options(synchronize_session=False)
    )
    checked = [
        Checked(r.uniqueid, r.queue, r.agent, r.duration_s, r.talk_s or 0.0, r.incomplete)
        for r in (await session.execute(stmt)).all()
    ]
    for c in checked:
        if c.incomplete:
            log.warning(
                "recording %s (%s, %s) lasts %.1f s, its call talked %.0f s: incomplete",
                c.uniqueid, c.queue, c.agent, c.duration_s, c.talk_s,
            )  # fmt: skip
    return checked


async def incomplete_count(*, session: AsyncSession, since: datetime) -> int:
    """Recordings flagged incomplete that started since then."""
    stmt = select(func.count()).where(Recording.incomplete, Recording.started_at >= since)
    return int(await session.scalar(stmt) or 0)
