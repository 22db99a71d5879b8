"""The wallboard's charts: kpi-v1.1 per 15 minutes today and on the same weekday last week,
and the wait distribution (pure; fixed times, no clock)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from callcenter.live import charts
from queue_metrics import kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size
from queue_metrics.records import CallRecord, Outcome

BKK = ZoneInfo("Asia/Bangkok")
CONFIG = MetricsConfig(queues=("a", "b"))
NOW = datetime(2026, 12, 8, 10, 40, tzinfo=BKK).timestamp()  # a Tuesday
WEEK_AGO = datetime(2026, 12, 1, 10, 5, tzinfo=BKK).timestamp()


def rec(n: int, at: float, outcome: Outcome, wait: int, queue: str = "a") -> CallRecord:
    return CallRecord(
        call_id=f"c{n}", linkedid=f"c{n}", queue=queue, entered_at=at, outcome=outcome,
        wait_s=wait, talk_s=30 if outcome is Outcome.answered else None,
    )  # fmt: skip


def test_windows_are_today_so_far_and_the_whole_same_weekday_last_week() -> None:
    (start, end), (before, before_end) = charts.day_windows(NOW, "Asia/Bangkok")
    assert datetime.fromtimestamp(start, BKK) == datetime(2026, 12, 8, tzinfo=BKK)
    assert end == NOW
    assert datetime.fromtimestamp(before, BKK) == datetime(2026, 12, 1, tzinfo=BKK)
    assert datetime.fromtimestamp(before_end, BKK) == datetime(2026, 12, 2, tzinfo=BKK)


def test_quarters_match_kpi_v1_and_sit_beside_last_week() -> None:
    t = datetime(2026, 12, 8, 10, 2, tzinfo=BKK).timestamp()
    today = [
        rec(1, t, Outcome.answered, 5),
        rec(2, t + 60, Outcome.answered, 40),
        rec(3, t + 120, Outcome.abandoned, 2),  # short: not counted
        rec(4, t + 900, Outcome.abandoned, 30, queue="b"),
    ]
    last_week = [rec(9, WEEK_AGO, Outcome.answered, 3)]
    body = charts.build(today, last_week, config=CONFIG, queue=None, now=NOW)
    assert body["definition"] == "kpi-v1.1" and body["sl_target_pct"] == 90
    assert body["compared_with"] == "2026-12-01"
    rows = {r["start"]: r for r in body["intervals"]}
    # every quarter of the day so far (00:00 … 10:30 at 10:40), empty ones too
    assert len(rows) == 43 and body["intervals"][0]["start"] == "00:00"
    assert rows["09:45"]["today"] is None and rows["10:30"]["today"] is None
    truth = kpi.by_interval(today, size=Size.quarter, config=CONFIG)["2026-12-08T10:00+07:00"]
    assert rows["10:00"]["today"]["sl_pct"] == truth["centre"]["sl_pct"] == 50.0
    assert rows["10:00"]["today"]["offered"] == 3 and rows["10:00"]["today"]["answered"] == 2
    assert rows["10:00"]["last_week"] == {
        "offered": 1, "answered": 1, "abandoned": 0, "sl_pct": 100.0, "abandon_rate_pct": 0.0,
    }  # fmt: skip
    assert rows["10:15"]["last_week"] is None
    only_b = charts.build(today, last_week, config=CONFIG, queue="b", now=NOW)
    b_rows = {r["start"]: r for r in only_b["intervals"]}
    assert b_rows["10:15"]["today"]["abandon_rate_pct"] == 100.0
    assert b_rows["10:00"]["today"]["offered"] == 0


def test_wait_distribution_counts_what_kpi_v1_counts() -> None:
    t = NOW - 600
    today = [
        rec(1, t, Outcome.answered, 5),
        rec(2, t, Outcome.answered, 16),
        rec(3, t, Outcome.abandoned, 2),  # short abandon: left out
        rec(4, t, Outcome.abandoned, 400),
        rec(5, t, Outcome.withdrawn, 20),  # withdrawn: left out
    ]
    bars = charts.waits(today, config=CONFIG, queue=None)
    assert [(b["up_to_s"], b["answered"], b["lost"]) for b in bars] == [
        (15, 1, 0), (30, 1, 0), (60, 0, 0), (120, 0, 0), (300, 0, 0), (None, 0, 1),
    ]  # fmt: skip
