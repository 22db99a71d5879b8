"""The simulator's plan: flags parsed strictly, the same seed gives the same calls."""

from __future__ import annotations

import pytest

from callcenter.simulate.spec import (
    Distribution,
    RunSpec,
    SpecError,
    patience_ticks,
    plan,
    validate,
)

QUEUES = ["general", "online-shopping"]


def spec(**kw: object) -> RunSpec:
    base: dict[str, object] = {
        "calls": 20,
        "rate": 2.0,
        "queue": "general",
        "agents": 5,
        "patience": Distribution.parse("exp:40", name="patience"),
        "ring": Distribution.parse("uniform:1-4", name="ring"),
        "talk": Distribution.parse("30", name="talk"),
        "seed": 7,
    }
    base.update(kw)
    return RunSpec(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("30", "fixed"), ("2.5", "fixed"), ("exp:40", "exp"), ("uniform:5-30", "uniform")],
)
def test_distribution_forms(text: str, kind: str) -> None:
    assert Distribution.parse(text, name="talk").kind == kind


@pytest.mark.parametrize("text", ["", "-1", "exp:", "exp:0", "uniform:30-5", "normal:3", "abc"])
def test_bad_distribution_names_the_flag(text: str) -> None:
    with pytest.raises(SpecError, match="--talk"):
        Distribution.parse(text, name="talk")


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    a = plan(spec(), run_id="r")
    b = plan(spec(), run_id="r")
    c = plan(spec(seed=8), run_id="r")
    assert [x.as_dict() for x in a] == [x.as_dict() for x in b]
    assert [x.caller for x in a] != [x.caller for x in c]


def test_poisson_arrivals_spread_and_burst_when_no_rate() -> None:
    spread = plan(spec(calls=400, rate=4.0), run_id="r")
    mean_gap = spread[-1].at_s / (len(spread) - 1)
    assert 0.2 < mean_gap < 0.3  # 1/rate = 0.25 s
    burst = plan(spec(rate=None), run_id="r")
    assert {c.at_s for c in burst} == {0.0}


def test_draws_stay_in_their_ranges() -> None:
    calls = plan(spec(calls=200), run_id="r")
    assert all(1.0 <= c.ring_s <= 4.0 for c in calls)
    assert all(c.talk_s == 30.0 for c in calls)
    assert all(c.caller[:2] in {"06", "08", "09"} and len(c.caller) == 10 for c in calls)
    assert len({c.call_id for c in calls}) == 200


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"calls": -1}, "--calls must be 1 or more"),
        ({"calls": 0}, "--calls must be 1 or more"),
        ({"queue": "nope"}, "unknown queue 'nope'"),
        ({"rate": 0.0}, "--rate"),
        ({"agents": -2}, "--agents"),
        ({"entry": "sip"}, "--entry"),
    ],
)
def test_validate_refuses_with_a_clear_message(kw: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        validate(spec(**kw), known_queues=QUEUES)


def test_patience_in_quarter_seconds() -> None:
    assert patience_ticks(2.0) == 8
    assert patience_ticks(0.1) == 1
    assert patience_ticks(2.1) == 9
