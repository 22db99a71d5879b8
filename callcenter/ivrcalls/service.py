"""Each caller's path through the IVR into `ivr_calls` (ari_app.ivr hands it over when they
leave), and the IVR KPIs of a period (docs/kpi-v1.md 6c, `ivr-v1`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ari_app.ivr import IvrExit
from callcenter.db import transaction
from callcenter.ivrcalls.models import IvrCall

log = logging.getLogger(__name__)

DEFINITION = "ivr-v1"


def row(left: IvrExit) -> dict[str, Any]:
    path = left.path
    return {
        "call_id": left.call_id[:64],
        "linkedid": left.linkedid[:64],
        "started_at": left.started_at,
        "ended_at": left.ended_at,
        "outcome": path.outcome if path.outcome in ("routed", "closed") else "hung_up",
        "queue": path.queue,
        "option": path.option,
        "language": path.language,
        "tries": min(path.tries, 32767),
        "fallback": path.fallback,
        "case_lookups": min(path.case_lookups, 32767),
    }


class IvrRecorder:
    """Stores each caller's path as they leave the IVR (sync `record`, a task per row; the
    service's stop waits for them)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._running: set[asyncio.Task[None]] = set()

    def record(self, left: IvrExit) -> None:
        self._spawn(self._store(row(left)))

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _store(self, values: dict[str, Any]) -> None:
        try:
            async with transaction(self._sessions) as session:
                await session.execute(insert(IvrCall).values(**values).on_conflict_do_nothing())
        except Exception:
            log.exception("storing the IVR path of %s failed", values["call_id"])

    async def drain(self) -> None:
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def start(self) -> None:
        """Nothing to load."""

    async def stop(self) -> None:
        await self.drain()


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


async def kpis(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None
) -> dict[str, Any]:
    """docs/kpi-v1.md 6c (`ivr-v1`): the callers who entered the IVR in [start, end); with
    `queue`, those the IVR routed there. `ivr_by_queue` is merged into each queue's figures by
    the kpi service."""
    in_period = (IvrCall.started_at >= start, IvrCall.started_at < end)
    routed = IvrCall.outcome == "routed"
    query = select(
        func.count(),
        func.count().filter(routed),
        func.count().filter(IvrCall.outcome == "hung_up"),
        func.count().filter(IvrCall.outcome == "closed"),
        func.count().filter(routed, IvrCall.fallback),
        func.count().filter(IvrCall.case_lookups > 0),
    ).where(*in_period)
    if queue is not None:
        query = query.where(IvrCall.queue == queue)
    calls, n_routed, hangups, closed, fallbacks, cases = (await session.execute(query)).one()
    by = select(IvrCall.queue, IvrCall.language, IvrCall.option, func.count()).where(
        *in_period, routed
    )
    if queue is not None:
        by = by.where(IvrCall.queue == queue)
    rows = (
        await session.execute(by.group_by(IvrCall.queue, IvrCall.language, IvrCall.option))
    ).all()
    by_queue: dict[str, int] = {}
    by_language: dict[str, int] = {}
    by_option: dict[str, int] = {}
    for q, language, option, n in rows:
        q = q or ""  # routed: always a queue
        by_queue[q] = by_queue.get(q, 0) + n
        by_language[language] = by_language.get(language, 0) + n
        key = option or "none"
        by_option[key] = by_option.get(key, 0) + n
    return {
        "ivr_definition": DEFINITION,
        "ivr_calls": calls,
        "ivr_routed": n_routed,
        "ivr_hangups": hangups,
        "ivr_closed": closed,
        "ivr_hangup_pct": _pct(hangups, calls),
        "ivr_fallbacks": fallbacks,
        "ivr_case_status": cases,
        "ivr_by_language": dict(sorted(by_language.items())),
        "ivr_by_option": dict(sorted(by_option.items())),
        "ivr_by_queue": [{"queue": q, "ivr_routed": n} for q, n in sorted(by_queue.items())],
    }
