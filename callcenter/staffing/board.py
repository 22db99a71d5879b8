"""The wallboard's staffing line: for the current 15-minute interval, the agents Erlang C
needs (forecast from the same weekday and interval over the last N weeks) beside the agents
logged in and available now (the wallboard's own live counts, painted next to it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kpi import service as kpi_service
from callcenter.staffing.forecast import IntervalPlan, Observed, Rules, plan_day
from queue_metrics import intervals
from queue_metrics.config import MetricsConfig

log = logging.getLogger(__name__)


class StaffingBoard:
    """Plans today once (and again when the day turns); the section reads the plan."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        config: MetricsConfig,
        rules: Rules,
        clock: Callable[[], float] = time.time,
        refresh_s: float = 900.0,
    ) -> None:
        self._sessions, self._config, self.rules = sessions, config, rules
        self._clock, self._refresh_s = clock, refresh_s
        self._tz: tzinfo = intervals.zone(config.tz)
        self._plans: dict[datetime, IntervalPlan] = {}
        self._day: date | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="staffing-board")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.refresh()
            await asyncio.sleep(self._refresh_s)

    async def refresh(self) -> None:
        """Forecast today's intervals from the history (the KPI path's intervals)."""
        today = datetime.fromtimestamp(self._clock(), self._tz).date()
        size = "15m" if self.rules.interval_min == 15 else "hour"
        history: dict[datetime, Observed] = {}
        for k in range(1, self.rules.weeks + 1):
            day = today - timedelta(weeks=k)
            start = datetime(day.year, day.month, day.day, tzinfo=self._tz)
            rows = await kpi_service.interval_figures(
                sessions=self._sessions, config=self._config, start=start,
                end=start + timedelta(days=1), interval=size,
            )  # fmt: skip
            history |= {
                datetime.fromisoformat(r["start"]): Observed(int(r["offered"]), r["aht_s"])
                for r in rows
            }
        plans = plan_day(today, history=history, actual={}, rules=self.rules, tz=self._tz)
        self._plans = {p.start: p for p in plans}
        self._day = today

    def section(self, now: float) -> dict[str, Any] | None:
        """The board's "staffing" section for the interval holding `now` (None: not planned)."""
        local = datetime.fromtimestamp(now, self._tz)
        minute = local.minute - local.minute % self.rules.interval_min
        start = local.replace(minute=minute, second=0, microsecond=0)
        if self.rules.interval_min == 60:
            start = start.replace(minute=0)
        plan = self._plans.get(start)
        if plan is None:
            return None
        return {
            "interval_start": start.isoformat(timespec="minutes"),
            "interval_min": self.rules.interval_min,
            "forecast_calls": round(plan.forecast_calls, 2),
            "aht_s": round(plan.aht_s, 1),
            "agents_needed": plan.agents_needed,
            "agents_scheduled": plan.agents_scheduled,
        }
