"""Erlang C against the published example, and the per-interval plan from history."""

from __future__ import annotations

import math
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.staffing import erlang
from callcenter.staffing.forecast import Observed, Rules, day_intervals, plan_day

BKK = ZoneInfo("Asia/Bangkok")


def test_published_example_100_calls_per_half_hour() -> None:
    # 100 calls in 30 minutes, AHT 180 s: 10 erlangs; 80 % within 20 s needs 14 agents.
    a = erlang.traffic(100, 1800, 180)
    assert a == pytest.approx(10.0)
    got = erlang.agents_needed(a, aht_s=180, target_s=20, service_level=0.80)
    assert got.agents == 14
    assert got.service_level == pytest.approx(0.888, abs=0.001)
    assert got.p_wait == pytest.approx(0.174, abs=0.001)
    assert got.asa_s == pytest.approx(7.8, abs=0.05)
    assert got.occupancy == pytest.approx(10 / 14)
    # One agent fewer misses the target: 13 give about 79.6 %.
    assert erlang.evaluate(13, a, aht_s=180, target_s=20).service_level < 0.80


def test_log_space_survives_thousands_of_agents() -> None:
    # A^N/N! overflows a float from N ≈ 170: log space must still give a probability.
    c = erlang.p_wait(3000, 2900.0)
    assert 0.0 < c < 1.0 and math.isfinite(c)
    need = erlang.agents_needed(2900.0, aht_s=180, target_s=15, service_level=0.9)
    assert 2900 < need.agents < 3100 and need.service_level >= 0.9


def test_too_few_agents_always_wait_and_no_traffic_needs_nobody() -> None:
    assert erlang.p_wait(10, 10.0) == 1.0
    assert erlang.evaluate(9, 10.0, aht_s=180, target_s=20).service_level == 0.0
    assert erlang.agents_needed(0.0, aht_s=180, target_s=20, service_level=0.9).agents == 0


def test_shrinkage_rounds_up() -> None:
    assert erlang.with_shrinkage(14, 0.30) == 20  # 14 / 0.7 = 20 exactly
    assert erlang.with_shrinkage(14, 0.25) == 19  # 18.67 → 19
    assert erlang.with_shrinkage(14, 0.0) == 14
    with pytest.raises(ValueError):
        erlang.with_shrinkage(14, 1.0)


def test_forecast_is_the_mean_of_the_same_weekday_and_interval() -> None:
    day = date(2026, 12, 7)  # a Monday
    slots = day_intervals(day, 30, BKK)
    ten = slots[20]  # 10:00
    # Four past Mondays at 10:00: 80, 100, 120 and one without a call (0) → 75 calls.
    history = {
        ten - timedelta(weeks=1): Observed(80, aht_s=180.0),
        ten - timedelta(weeks=2): Observed(100, aht_s=180.0),
        ten - timedelta(weeks=3): Observed(120, aht_s=180.0),
        # Tuesday 10:00 and a fifth week back are not the same weekday / beyond N weeks.
        ten - timedelta(days=6): Observed(999, aht_s=600.0),
        ten - timedelta(weeks=5): Observed(999, aht_s=600.0),
    }
    actual = {ten: Observed(100, aht_s=180.0, agents=11, sl_pct=62.0)}
    rules = Rules(interval_min=30, weeks=4, target_s=20, service_level=0.80, shrinkage=0.3)
    plans = plan_day(day, history=history, actual=actual, rules=rules, tz=BKK)
    assert len(plans) == 48
    p = plans[20]
    assert p.start == ten and p.forecast_calls == pytest.approx(75.0) and p.aht_s == 180.0
    expected = erlang.agents_needed(
        erlang.traffic(75, 1800, 180), aht_s=180, target_s=20, service_level=0.8
    ).agents
    assert p.agents_needed == expected
    assert p.agents_scheduled == erlang.with_shrinkage(expected, 0.3)
    # What really came (100 calls, the published example) needed 14; 11 were there.
    assert p.required_for_actual == 14 and p.actual_agents == 11 and p.understaffed
    # An interval without history or calls needs nobody, and was not understaffed.
    assert plans[4].forecast_calls == 0 and plans[4].agents_needed == 0
    assert not plans[4].understaffed


def test_aht_falls_back_to_the_history_then_the_default() -> None:
    day = date(2026, 12, 8)
    nine = day_intervals(day, 15, BKK)[36]
    history = {nine - timedelta(days=1): Observed(10, aht_s=240.0)}
    plans = plan_day(day, history=history, actual={}, rules=Rules(), tz=BKK)
    assert plans[36].aht_s == 240.0  # no call at 09:00 on past Tuesdays: the history's AHT
    empty = plan_day(day, history={}, actual={}, rules=Rules(default_aht_s=200.0), tz=BKK)
    assert empty[0].aht_s == 200.0


def test_intervals_must_divide_a_day() -> None:
    with pytest.raises(ValueError):
        day_intervals(date(2026, 12, 7), 7, BKK)
