"""Forecast of one day's intervals from history, and the agents each interval needed (pure).

The forecast of an interval is the mean of the offered calls in the same weekday and time of
day over the last `weeks` weeks (a week without a call there counts as 0 calls); its AHT is
the mean handle time of those calls (the history's overall AHT where they had none, then
`default_aht_s`). Agents needed: Erlang C (erlang.py) for `service_level` within `target_s`;
scheduled: with shrinkage. `actual` is what the period really had, so a report can show
where the service level was lost for lack of staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from callcenter.staffing import erlang


@dataclass(frozen=True, slots=True)
class Observed:
    """One past (or the reported) interval: calls offered, their mean handle time, agents."""

    offered: int
    aht_s: float | None = None
    agents: int = 0  # agents who answered a call in the interval
    sl_pct: float | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    interval_min: int = 15
    weeks: int = 4
    target_s: float = 15.0
    service_level: float = 0.90
    shrinkage: float = 0.30
    default_aht_s: float = 300.0


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    start: datetime  # local
    forecast_calls: float
    aht_s: float
    erlangs: float
    agents_needed: int
    agents_scheduled: int  # with shrinkage
    actual_offered: int
    actual_agents: int
    actual_sl_pct: float | None
    required_for_actual: int  # Erlang C on the calls that really came
    understaffed: bool  # the SL target missed with fewer agents than the real calls needed

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(timespec="minutes"),
            "forecast_calls": round(self.forecast_calls, 2),
            "aht_s": round(self.aht_s, 1),
            "erlangs": round(self.erlangs, 3),
            "agents_needed": self.agents_needed,
            "agents_scheduled": self.agents_scheduled,
            "actual_offered": self.actual_offered,
            "actual_agents": self.actual_agents,
            "actual_sl_pct": self.actual_sl_pct,
            "required_for_actual": self.required_for_actual,
            "understaffed": self.understaffed,
        }


def day_intervals(day: date, interval_min: int, tz: tzinfo) -> list[datetime]:
    """The local starts of `day`'s intervals (a day in Asia/Bangkok has no DST jumps)."""
    if interval_min <= 0 or 1440 % interval_min:
        raise ValueError("interval_min must divide a day")
    first = datetime(day.year, day.month, day.day, tzinfo=tz)
    return [first + timedelta(minutes=m) for m in range(0, 1440, interval_min)]


def plan_day(
    day: date,
    *,
    history: Mapping[datetime, Observed],
    actual: Mapping[datetime, Observed],
    rules: Rules,
    tz: tzinfo,
) -> list[IntervalPlan]:
    """Per interval of `day`: forecast from `history` (keys: local interval starts), agents
    needed and scheduled, and what `actual` (same keys for `day`) had and needed."""
    known = [o for o in history.values() if o.offered and o.aht_s is not None]
    handled = sum(o.offered for o in known)
    overall_aht = sum(o.offered * (o.aht_s or 0.0) for o in known) / handled if handled else None
    plans = []
    for start in day_intervals(day, rules.interval_min, tz):
        past = [history.get(start - timedelta(weeks=k)) for k in range(1, rules.weeks + 1)]
        calls = sum(o.offered for o in past if o is not None) / rules.weeks
        timed = [o for o in past if o is not None and o.offered and o.aht_s is not None]
        n = sum(o.offered for o in timed)
        aht = (
            sum(o.offered * (o.aht_s or 0.0) for o in timed) / n
            if n
            else overall_aht or rules.default_aht_s
        )
        a = erlang.traffic(calls, rules.interval_min * 60, aht)
        need = erlang.agents_needed(
            a, aht_s=aht, target_s=rules.target_s, service_level=rules.service_level
        ).agents
        seen = actual.get(start, Observed(0))
        missed = seen.sl_pct is not None and seen.sl_pct < rules.service_level * 100
        required = required_for_actual(seen, rules)
        plans.append(
            IntervalPlan(
                start=start,
                forecast_calls=calls,
                aht_s=aht,
                erlangs=a,
                agents_needed=need,
                agents_scheduled=erlang.with_shrinkage(need, rules.shrinkage),
                actual_offered=seen.offered,
                actual_agents=seen.agents,
                actual_sl_pct=seen.sl_pct,
                required_for_actual=required,
                understaffed=missed and seen.agents < required,
            )
        )
    return plans


def required_for_actual(observed: Observed, rules: Rules) -> int:
    """Agents the interval's real calls needed (Erlang C on what came, not on the forecast)."""
    aht = observed.aht_s or rules.default_aht_s
    a = erlang.traffic(observed.offered, rules.interval_min * 60, aht)
    return erlang.agents_needed(
        a, aht_s=aht, target_s=rules.target_s, service_level=rules.service_level
    ).agents
