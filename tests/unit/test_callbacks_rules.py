"""Callback rules without I/O: what is owed, what may be dialled, when to retry, the KPIs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.callbacks import rules
from callcenter.callbacks.rules import TaskFacts

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
PATTERN = r"(\+66|0)[1-9]\d{7,8}"


@pytest.mark.parametrize(
    ("outcome", "wait", "owed"),
    [
        ("abandoned", 3, False),  # short abandon
        ("abandoned", 6, True),
        ("abandoned", None, True),  # unknown wait: a real loss for the KPIs, so owed too
        ("timeout", 0, True),
        ("no_agents", 0, True),
        ("key_exit", 1, True),
        ("answered", 10, False),
        ("withdrawn", 10, False),
        (None, None, False),
    ],
)
def test_which_queue_calls_owe_a_callback(
    outcome: str | None, wait: int | None, owed: bool
) -> None:
    assert rules.is_drop(outcome=outcome, wait_s=wait, short_abandon_s=5) is owed


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("0812345678", None),
        ("021234567", None),
        ("+66812345678", None),
        ("", "withheld"),
        ("anonymous", "withheld"),
        ("Restricted", "withheld"),
        ("1234", "invalid"),
        ("0012345678", "invalid"),
        ("08123456789999", "invalid"),
        ("08-1234-5678", "invalid"),
    ],
)
def test_withheld_and_invalid_numbers_are_not_callable(number: str, reason: str | None) -> None:
    assert rules.not_callable_reason(number, pattern=PATTERN) == reason


def test_retries_follow_the_schedule_inside_the_window() -> None:
    offsets = rules.parse_offsets("0,600,1200")
    deadline = T0 + timedelta(seconds=1800)

    def due(attempts: int, now: datetime) -> datetime | None:
        return rules.next_due(
            dropped_at=T0, deadline_at=deadline, attempts=attempts, offsets=offsets, now=now
        )

    assert due(0, T0) == T0
    assert due(1, T0 + timedelta(seconds=40)) == T0 + timedelta(seconds=600)
    assert due(2, T0 + timedelta(seconds=1500)) == T0 + timedelta(seconds=1500)  # late: at once
    assert due(2, T0 + timedelta(seconds=1900)) is None  # past the window
    assert due(3, T0 + timedelta(seconds=1250)) is None  # schedule used up


@pytest.mark.parametrize("text", ["", "a,b", "-1,5"])
def test_bad_retry_schedules_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="offsets"):
        rules.parse_offsets(text)


def fact(
    *,
    first: float | None = None,
    reached: float | None = None,
    outcome: str | None = None,
    callable_: bool = True,
) -> TaskFacts:
    def at(s: float | None) -> datetime | None:
        return None if s is None else T0 + timedelta(seconds=s)

    return TaskFacts(
        callable=callable_, outcome=outcome, dropped_at=T0, first_dial_at=at(first),
        reached_at=at(reached),
    )  # fmt: skip


def test_kpis_count_owed_attempted_and_reached_within_the_window() -> None:
    tasks = [
        fact(first=10, reached=20, outcome="reached"),
        fact(first=100, reached=1900, outcome="reached"),  # reached too late
        fact(first=2000, outcome="no_answer"),  # first dial too late
        fact(),  # never dialled
        fact(outcome="cancelled_caller_reached"),
        fact(outcome="withheld", callable_=False),
        fact(outcome="cancelled"),  # a supervisor's cancel stays owed
    ]
    got = rules.kpis(tasks, window_s=1800, drops_joined=2)
    assert got["callbacks_owed"] == 5  # the 2 joined drops owe no callback of their own
    assert got["callback_drops_joined"] == 2
    assert got["callbacks_attempted_30m"] == 2
    assert got["callbacks_reached_30m"] == 1
    assert got["callback_attempt_pct"] == 40.0
    assert got["callback_reached_pct"] == 20.0
    assert got["callback_first_attempt_p50_s"] == 100.0
    assert got["callback_first_attempt_p90_s"] == 2000.0
    assert got["callbacks_not_callable"] == 1
    assert got["callbacks_cancelled_caller_reached"] == 1
    assert got["callbacks_cancelled_by_supervisor"] == 1


def test_no_callbacks_no_percentages() -> None:
    got = rules.kpis([], window_s=1800, drops_joined=0)
    assert got["callbacks_owed"] == 0 and got["callback_attempt_pct"] is None
    assert got["callback_first_attempt_p50_s"] is None


def test_dial_statuses_map_to_outcomes() -> None:
    assert rules.DIAL_OUTCOMES["ANSWER"] == "reached"
    assert rules.DIAL_OUTCOMES["BUSY"] == "busy"
    assert rules.DIAL_OUTCOMES["NOANSWER"] == "no_answer"
    assert rules.DIAL_OUTCOMES["CONGESTION"] == "invalid"
