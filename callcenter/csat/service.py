"""CSAT answers from the dialplan (UserEvent CsatResult) into `csat_responses`, and the KPIs.

The caller of a queue with CSAT (ivr.toml [queues] csat; the IVR sets CC_CSAT on the channel)
stays on after the agent hangs up (Queue option c) and is asked for a 1-5 rating and whether
the problem was solved (1 yes, 2 no). The survey's hang-up handler ([csat-end]) reports what
was keyed, whatever the way the call ended: one row per survey offered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.csat.models import CsatResponse
from callcenter.db import transaction

log = logging.getLogger(__name__)

EVENT = "CsatResult"
TOP2 = (4, 5)
CENTRE_TZ = ZoneInfo("Asia/Bangkok")


def day_start(now: datetime) -> datetime:
    """Midnight of `now`'s day in the centre's time (the wallboard's "today")."""
    local = now.astimezone(CENTRE_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def answer(headers: dict[str, str]) -> dict[str, Any] | None:
    """The row of one CsatResult UserEvent; None when it is not one (or has no call)."""
    if headers.get("UserEvent") != EVENT or not headers.get("Uniqueid"):
        return None
    rating_text = headers.get("Rating", "").strip()
    rating = int(rating_text) if rating_text in {"1", "2", "3", "4", "5"} else None
    solved = {"1": True, "2": False}.get(headers.get("Solved", "").strip()) if rating else None
    try:
        at = datetime.fromtimestamp(float(headers["Timestamp"]), tz=UTC)
    except (KeyError, ValueError):
        at = datetime.now(UTC)
    return {
        "call_id": headers["Uniqueid"][:64],
        "linkedid": (headers.get("Linkedid") or headers["Uniqueid"])[:64],
        "queue": headers.get("Queue", "")[:64],
        "agent": headers.get("Agent", "")[:64],
        "language": "en" if headers.get("Language") == "en" else "th",
        "rating": rating,
        "solved": solved,
        "at": at,
    }


class CsatRecorder:
    """Stores each survey as its UserEvent arrives (AMI consumer fan-out; sync handle), and
    keeps today's figures for the wallboard's CSAT pill."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions, self._on_change, self._clock = sessions, on_change, clock
        self._running: set[asyncio.Task[None]] = set()
        self.today: dict[str, Any] = _figures(0, 0, 0, 0)

    def handle(self, item: Any) -> None:
        if not isinstance(item, dict) or item.get("Event") != "UserEvent":
            return
        row = answer(item)
        if row is not None:
            self._spawn(self._store(row))

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _store(self, row: dict[str, Any]) -> None:
        try:
            async with transaction(self._sessions) as session:
                await session.execute(insert(CsatResponse).values(**row).on_conflict_do_nothing())
            await self.refresh()
        except Exception:
            log.exception("storing a CSAT answer failed")

    async def refresh(self) -> None:
        """Today's figures (centre time) again, then tell the wallboard."""
        now = self._clock()
        start = day_start(now)
        async with self._sessions() as session:
            figures = await kpis(
                session=session, start=start, end=start + timedelta(days=1), queue=None
            )
        self.today = {k: v for k, v in figures.items() if not k.startswith("csat_by_")}
        self._on_change()

    def board_section(self, _now: float) -> dict[str, Any]:
        """The wallboard's `csat`: today's centre figures (no caller data)."""
        return self.today

    async def drain(self) -> None:
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def start(self) -> None:
        try:
            await self.refresh()
        except Exception:  # the board shows dashes until the next answer; the service starts
            log.exception("reading today's CSAT figures failed")

    async def stop(self) -> None:
        await self.drain()


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _figures(offered: int, responses: int, total: int, top2: int) -> dict[str, Any]:
    return {
        "csat_offered": offered,
        "csat_responses": responses,
        "csat_avg": round(total / responses, 2) if responses else None,
        "csat_response_rate_pct": _pct(responses, offered),
        "csat_top2_pct": _pct(top2, responses),
    }


def _grouped(start: datetime, end: datetime, *by: Any) -> Select[Any]:
    answered = CsatResponse.rating.is_not(None)
    return (
        select(
            *by,
            func.count(),
            func.count().filter(answered),
            func.coalesce(func.sum(CsatResponse.rating), 0),
            func.count().filter(CsatResponse.rating.in_(TOP2)),
        )
        .where(CsatResponse.at >= start, CsatResponse.at < end)
        .group_by(*by)
    )


async def kpis(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None
) -> dict[str, Any]:
    """docs/kpi-v1.md "CSAT": the period's (or the queue's) figures, and per queue and agent
    (`csat_by_queue` is merged into the report's `queues` by the kpi service)."""
    query = _grouped(start, end, CsatResponse.queue, CsatResponse.agent)
    if queue is not None:
        query = query.where(CsatResponse.queue == queue)
    rows = (await session.execute(query)).all()
    by_queue: dict[str, list[int]] = {}
    by_agent: dict[str, list[int]] = {}
    whole = [0, 0, 0, 0]
    for q, agent, *counts in rows:
        for bucket in (by_queue.setdefault(q, [0, 0, 0, 0]), by_agent.setdefault(agent, [0] * 4)):
            for i, n in enumerate(counts):
                bucket[i] += int(n)
        for i, n in enumerate(counts):
            whole[i] += int(n)
    return {
        **_figures(*whole),
        "csat_by_queue": [{"queue": q, **_figures(*c)} for q, c in sorted(by_queue.items())],
        "csat_by_agent": [{"agent": a, **_figures(*c)} for a, c in sorted(by_agent.items())],
    }
