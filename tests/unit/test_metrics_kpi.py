"""kpi-v1.1 formulas at their edges: empty denominators, short abandons, SL edge, centre dedup."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from queue_metrics import kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size, today_so_far, zone
from queue_metrics.records import CallRecord, Outcome

A, B = "online-shopping", "general-enquiries"
CONFIG = MetricsConfig(queues=(A, B))
T0 = 1_795_982_000.0
BKK = ZoneInfo("Asia/Bangkok")
RATES = ("sl_pct", "answer_rate_pct", "abandon_rate_pct", "sl_asterisk_pct")
MEANS = ("asa_s", "max_wait_s", "aht_s", "avg_talk_s", "avg_hold_s")

_n = iter(range(10_000))


def call(
    outcome: Outcome | None,
    wait: int | None = 0,
    *,
    queue: str = A,
    talk: int | None = None,
    hold: int = 0,
    wrapup: int = 0,
    at: float = T0,
    linkedid: str | None = None,
) -> CallRecord:
    call_id = f"c{next(_n)}"
    if outcome is Outcome.answered and talk is None:
        talk = 60
    return CallRecord(
        call_id,
        linkedid or call_id,
        queue,
        at,
        outcome=outcome,
        wait_s=wait,
        talk_s=talk if outcome is Outcome.answered else None,
        hold_s=hold,
        wrapup_s=wrapup,
    )


def centre(records: list[CallRecord], **window: float) -> dict[str, object]:
    w = (window["start"], window["end"]) if window else None
    return kpi.compute(records, config=CONFIG, window=w)["centre"]


def test_field_names_are_exactly_the_contract() -> None:
    result = kpi.compute([], config=CONFIG)
    assert result["definition"] == "kpi-v1.1"
    assert set(result["centre"]) == {*kpi.FIELDS, "definition"}
    assert set(result["queues"]) == {A, B}  # configured queues show even with no calls


def test_empty_period_gives_zero_counts_and_null_rates() -> None:
    figures = centre([])
    assert all(figures[f] == 0 for f in kpi.FIELDS[:9])
    assert all(figures[f] is None for f in (*RATES, *MEANS))


def test_only_short_abandons_and_withdrawals_leave_no_denominator() -> None:
    figures = centre([call(Outcome.abandoned, 5), call(Outcome.withdrawn, 40)])
    assert figures["short_abandoned"] == 1 and figures["offered"] == 2
    assert all(figures[f] is None for f in RATES)
    assert figures["max_wait_s"] == 40.0 and figures["asa_s"] is None


def test_short_abandon_boundary_is_inclusive() -> None:
    figures = centre([call(Outcome.abandoned, 5), call(Outcome.abandoned, 6)])
    assert figures["short_abandoned"] == 1
    assert figures["abandon_rate_pct"] == 100.0  # the 6 s abandon is a lost call


def test_sl_boundary_wait_equal_to_threshold_is_within() -> None:
    figures = centre([call(Outcome.answered, 15), call(Outcome.answered, 16)])
    assert figures["answered_within_sl"] == 1
    assert figures["sl_pct"] == 50.0 and figures["sl_asterisk_pct"] == 50.0


def test_headline_formulas() -> None:
    records = [
        *(call(Outcome.answered, w) for w in (1, 2, 3, 10, 15)),
        call(Outcome.answered, 20),
        call(Outcome.answered, 40),
        call(Outcome.abandoned, 3),  # short: out of the denominators
        call(Outcome.abandoned, 30),
        call(Outcome.timeout, 300),
        call(Outcome.withdrawn, 12),  # out of the denominators
        call(Outcome.no_agents, 0),
        call(Outcome.key_exit, 9),
    ]
    f = centre(records)
    assert (f["offered"], f["answered"], f["answered_within_sl"]) == (13, 7, 5)
    base = 13 - 1 - 1
    assert f["sl_pct"] == round(100 * 5 / base, 2)
    assert f["answer_rate_pct"] == round(100 * 7 / base, 2)
    assert f["abandon_rate_pct"] == round(100 * 4 / base, 2)  # abandon + timeout + empty + key
    assert f["sl_asterisk_pct"] == round(100 * 5 / 7, 2)
    assert f["asa_s"] == round(91 / 7, 1) and f["max_wait_s"] == 300.0


def test_handle_time_is_talk_plus_wrapup_and_hold_is_reported_apart() -> None:
    # kpi-v1 added hold on top of talk (AHT 100 here); Asterisk's talk time already holds
    # the 20 s on hold, so kpi-v1.1 counts them once: (100 + 30 + 50) / 2 = 90.
    records = [
        call(Outcome.answered, 2, talk=100, hold=20, wrapup=30),
        call(Outcome.answered, 2, talk=50),
        call(Outcome.answered, 2, talk=None).with_(talk_s=None),  # still in talk
    ]
    f = centre(records)
    assert f["answered"] == 3 and f["aht_s"] == 90.0 and f["avg_talk_s"] == 75.0
    assert f["avg_hold_s"] == 10.0  # over the two calls whose talk ended


def test_calls_still_waiting_are_not_offered_yet() -> None:
    assert centre([call(None, None), call(Outcome.answered, 1)])["offered"] == 1


def test_window_is_by_queue_entry_time() -> None:
    records = [call(Outcome.answered, 1, at=T0), call(Outcome.answered, 1, at=T0 + 900)]
    assert centre(records, start=T0, end=T0 + 900)["offered"] == 1


def test_overflow_counts_once_with_the_whole_wait() -> None:
    records = [
        call(Outcome.timeout, 300, queue=A, at=T0, linkedid="L"),
        call(Outcome.answered, 2, queue=B, at=T0 + 300, linkedid="L"),
    ]
    result = kpi.compute(records, config=CONFIG)
    f = result["centre"]
    assert (f["offered"], f["answered"], f["timeout"], f["answered_within_sl"]) == (1, 1, 0, 0)
    assert f["asa_s"] == 302.0 and f["max_wait_s"] == 302.0
    assert result["queues"][A]["timeout"] == 1 and result["queues"][B]["sl_pct"] == 100.0


def test_transfer_then_abandon_is_an_answered_caller() -> None:
    records = [
        call(Outcome.answered, 4, queue=A, talk=30, at=T0, linkedid="L"),
        call(Outcome.abandoned, 50, queue=B, at=T0 + 40, linkedid="L"),
    ]
    f = centre(records)
    assert (f["offered"], f["answered"], f["abandoned"], f["asa_s"]) == (1, 1, 0, 4.0)
    assert f["max_wait_s"] == 50.0  # the later wait in B was longer


def test_centre_call_belongs_to_the_interval_of_its_first_entry() -> None:
    records = [
        call(Outcome.answered, 4, queue=A, at=T0, linkedid="L"),
        call(Outcome.answered, 4, queue=B, at=T0 + 1000, linkedid="L"),
    ]
    later = centre(records, start=T0 + 900, end=T0 + 1800)
    assert later["offered"] == 0
    assert (
        kpi.compute(records, config=CONFIG, window=(T0 + 900, T0 + 1800))["queues"][B]["offered"]
        == 1
    )


def test_by_interval_splits_at_bangkok_midnight() -> None:
    last = datetime(2026, 11, 29, 23, 59, 59, tzinfo=BKK).timestamp()
    records = [call(Outcome.answered, 1, at=last), call(Outcome.abandoned, 20, at=last + 1)]
    days = kpi.by_interval(records, size=Size.day, config=CONFIG)
    assert list(days) == ["2026-11-29", "2026-11-30"]
    assert days["2026-11-29"]["centre"]["answered"] == 1
    assert days["2026-11-30"]["queues"][A]["abandoned"] == 1
    hours = kpi.by_interval(records, size=Size.hour, config=CONFIG)
    assert list(hours) == ["2026-11-29T23:00+07:00", "2026-11-30T00:00+07:00"]


def test_today_so_far_starts_at_bangkok_midnight() -> None:
    midnight = datetime(2026, 11, 30, tzinfo=BKK).timestamp()
    records = [
        call(Outcome.answered, 1, at=midnight - 60),  # yesterday, 23:59 Bangkok
        call(Outcome.answered, 1, at=midnight + 60),
        call(Outcome.answered, 1, at=midnight + 9 * 3600),  # after `now`
    ]
    window = today_so_far(midnight + 8 * 3600, zone(CONFIG.tz))
    assert kpi.compute(records, config=CONFIG, window=window)["centre"]["offered"] == 1
