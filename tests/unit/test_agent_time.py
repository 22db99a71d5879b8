"""An agent's day as the reports count it: logged in while a member of any queue, paused
while paused in any, by reason; clipped to the period; occupancy and calls per hour."""

from __future__ import annotations

from queue_metrics.agent_time import MemberEvent, rates, time_in_states

H = 3600.0
DAY = 1_800_000_000.0  # any midnight will do: only differences count


def ev(hours: float, kind: str, queue: str = "digital-law", reason: str = "") -> MemberEvent:
    return MemberEvent(at=DAY + hours * H, agent="agent07", queue=queue, kind=kind, reason=reason)


SHIFT = [
    ev(9, "add"),
    ev(9, "add", queue="cyber-threats"),
    ev(10, "pause", reason="break"),
    ev(10, "pause", queue="cyber-threats", reason="break"),
    ev(10.25, "unpause"),
    ev(10.25, "unpause", queue="cyber-threats"),
    ev(11, "rna"),
    ev(12, "pause", reason="lunch"),
    ev(13, "unpause"),
    ev(15, "remove", queue="cyber-threats"),  # left one queue: still logged in
    ev(17, "remove"),
]


def test_a_shift_with_a_break_and_lunch() -> None:
    t = time_in_states(SHIFT, start=DAY, stop=DAY + 24 * H)["agent07"]
    assert t.logged_in_s == 8 * H  # 09:00-17:00, not 8 h twice for two queues
    assert t.paused_s == 1.25 * H
    assert t.paused_by_reason == {"break": 0.25 * H, "lunch": H}
    assert t.ring_no_answer == 1


def test_a_period_that_starts_mid_shift_takes_the_state_before_it() -> None:
    t = time_in_states(SHIFT, start=DAY + 12.5 * H, stop=DAY + 24 * H)["agent07"]
    assert t.logged_in_s == 4.5 * H  # 12:30-17:00
    assert t.paused_by_reason == {"lunch": 0.5 * H}
    assert t.ring_no_answer == 0


def test_still_logged_in_counts_up_to_now_and_one_queue_only_its_membership() -> None:
    now = DAY + 14 * H
    assert time_in_states(SHIFT, start=DAY, stop=now)["agent07"].logged_in_s == 5 * H
    only = time_in_states(SHIFT, start=DAY, stop=DAY + 24 * H, queue="cyber-threats")
    assert only["agent07"].logged_in_s == 6 * H and only["agent07"].ring_no_answer == 0


def test_occupancy_is_handle_time_over_time_available() -> None:
    t = time_in_states(SHIFT, start=DAY, stop=DAY + 24 * H)["agent07"]
    figures = rates(t, answered=20, handle_s=3.375 * H)
    assert figures["occupancy_pct"] == 50.0  # 3h22m30s of 6h45m available
    assert figures["calls_per_hour"] == 2.5
    assert figures["paused_by_reason"] == {"break": 900.0, "lunch": 3600.0}
