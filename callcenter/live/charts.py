"""The wallboard's charts through the day: kpi-v1.1 per 15 minutes, today and the same
weekday last week, and today's wait distribution (pure: records in, JSON out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from queue_metrics import intervals, kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size
from queue_metrics.records import DEFINITION, CallRecord, Outcome

# Seconds a counted caller waited: upper bounds of the distribution's bars (the last: more).
WAIT_BOUNDS = (15, 30, 60, 120, 300)
FIELDS = ("offered", "answered", "abandoned", "sl_pct", "abandon_rate_pct")


def day_windows(now: float, tz_name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Today so far (centre time), and the whole same weekday a week before."""
    tz = intervals.zone(tz_name)
    start = intervals.bucket(now, Size.day, tz)[0]
    local = datetime.fromtimestamp(start, tz)
    before = local - timedelta(days=7)
    before_start = before.replace(hour=0, minute=0).timestamp()
    before_end = (before + timedelta(days=1)).replace(hour=0, minute=0).timestamp()
    return (start, now), (before_start, before_end)


def build(
    today: Sequence[CallRecord],
    last_week: Sequence[CallRecord],
    *,
    config: MetricsConfig,
    queue: str | None,
    now: float,
) -> dict[str, Any]:
    """Per 15 minutes (HH:MM, centre time): offered, answered, abandoned, SL and abandon
    rate today and on the same weekday last week; today's waits of counted calls."""
    tz = intervals.zone(config.tz)

    def per_quarter(records: Sequence[CallRecord]) -> dict[str, dict[str, Any]]:
        found = {}
        for label, result in kpi.by_interval(records, size=Size.quarter, config=config).items():
            figures = result["queues"].get(queue, {}) if queue else result["centre"]
            found[label[11:16]] = {f: figures.get(f) for f in FIELDS}
        return found

    now_rows, then_rows = per_quarter(today), per_quarter(last_week)
    # Every quarter from midnight to the current one (an empty quarter is a gap, not skipped).
    local = datetime.fromtimestamp(now, tz)
    so_far = [
        f"{m // 60:02d}:{m % 60:02d}" for m in range(0, local.hour * 60 + local.minute + 1, 15)
    ]
    slots = sorted(set(so_far) | now_rows.keys())
    return {
        "definition": DEFINITION,
        "tz": config.tz,
        "queue": queue,
        "day": datetime.fromtimestamp(now, tz).date().isoformat(),
        "compared_with": (datetime.fromtimestamp(now, tz) - timedelta(days=7)).date().isoformat(),
        "sl_target_pct": 90,
        "intervals": [
            {"start": s, "today": now_rows.get(s), "last_week": then_rows.get(s)} for s in slots
        ],
        "waits": waits(today, config=config, queue=queue),
    }


def waits(
    records: Sequence[CallRecord], *, config: MetricsConfig, queue: str | None
) -> list[dict[str, Any]]:
    """How long today's counted callers waited (kpi-v1.1: short abandons and withdrawn
    calls are not counted), answered and abandoned apart, in bars of WAIT_BOUNDS."""
    bars: list[dict[str, Any]] = [
        {"up_to_s": b, "answered": 0, "lost": 0} for b in (*WAIT_BOUNDS, None)
    ]
    for r in records:
        if r.outcome is None or (queue and r.queue != queue) or r.wait_s is None:
            continue
        if r.outcome is Outcome.withdrawn or kpi.is_short_abandon(
            r.outcome.value, r.wait_s, short_abandon_s=config.short_abandon_s
        ):
            continue
        i = next((i for i, b in enumerate(WAIT_BOUNDS) if r.wait_s <= b), len(WAIT_BOUNDS))
        bars[i]["answered" if r.outcome is Outcome.answered else "lost"] += 1
    return bars
