"""The demo's day (callcenter/simulate/day.py): every queue gets calls, shaped like a day."""

from __future__ import annotations

from collections import Counter

from callcenter.centre import AgentDef
from callcenter.simulate.crew import break_share, interfaces
from callcenter.simulate.day import AVAILABLE_SHARE, SHAPE, DaySpec, hour_of, plan_day
from callcenter.simulate.spec import Distribution

QUEUES = (
    "online-shopping", "illegal-websites", "cyber-threats",
    "digital-law", "digital-platforms", "general-enquiries",
)  # fmt: skip
DAY = DaySpec(
    day_s=1200, agents=39, queues=QUEUES, patience=Distribution("uniform", 8, 90),
    ring=Distribution("uniform", 1, 4), talk=Distribution("exp", 35), wrapup_s=3.0,
)  # fmt: skip


def per_hour(calls: list[float]) -> list[int]:
    hour_s = DAY.day_s / len(SHAPE)
    return [sum(1 for at in calls if i * hour_s <= at < (i + 1) * hour_s) for i in range(12)]


def test_every_queue_gets_calls_all_day_and_the_same_seed_gives_the_same_day() -> None:
    calls = plan_day(DAY, seed=3, run_id="d")
    assert set(Counter(c.queue for c in calls)) == set(QUEUES)
    assert all(0 <= c.at_s < DAY.day_s for c in calls)
    assert [c.at_s for c in calls] == sorted(c.at_s for c in calls)
    assert plan_day(DAY, seed=3, run_id="d") == calls
    assert plan_day(DAY, seed=4, run_id="d") != calls


def test_the_peaks_get_more_calls_than_the_lunch_dip_and_the_evening() -> None:
    hours = per_hour([c.at_s for c in plan_day(DAY, seed=5, run_id="d")])
    rush, late_morning, lunch, evening = hours[0], hours[3], hours[5], hours[11]
    assert min(rush, late_morning) > 1.5 * lunch > 0
    assert late_morning > 2 * evening
    # at its peak the centre is offered more than its agents at work can answer: SL drops
    handle = 2.5 + 35 + 3.0
    assert late_morning / (DAY.day_s / 12) > 39 * AVAILABLE_SHARE / handle


def test_more_load_more_calls_and_the_clock_runs_from_eight_to_eight() -> None:
    busy = DaySpec(**{**DAY.__dict__, "load": 2.0})
    assert len(plan_day(busy, seed=1, run_id="d")) > 1.6 * len(plan_day(DAY, seed=1, run_id="d"))
    assert hour_of(DAY, 0) == 8 and hour_of(DAY, 600) == 14 and hour_of(DAY, 1200) == 20


def test_agents_get_phones_of_their_own_and_lunch_takes_more_of_them() -> None:
    agents = [AgentDef(id=f"agent{n:02d}", name="", skills={}) for n in (2, 3, 40)]
    assert interfaces(agents) == {
        "agent02": "Local/7101@agents/n", "agent03": "Local/7102@agents/n",
        "agent40": "Local/7103@agents/n",
    }  # fmt: skip
    assert break_share(12.5) > break_share(10)
