"""chat-v1's formula: what is known, what is breached (by each conversation's stored due
time), nearest-rank percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.chat import sla
from callcenter.chat.kpi import Facts, by_channel, kpis

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SLA = 1800.0
RULES = sla.defaults(chat_s=SLA, email_s=86400.0)


def _facts(n: int, offset_s: float, reply_s: float | None, end_s: float | None = None) -> Facts:
    start = T + timedelta(seconds=offset_s)
    reply = start + timedelta(seconds=reply_s) if reply_s is not None else None
    end = start + timedelta(seconds=end_s) if end_s is not None else None
    due = start + timedelta(seconds=SLA)
    return Facts(n, "line" if n % 2 else "facebook", start, due, reply, end)


def test_no_conversations_give_zeros_and_no_percentages() -> None:
    figures = kpis([], now=T)
    assert figures["chat_offered"] == 0 and figures["chat_sl_pct"] is None
    assert figures["chat_first_response_p50_s"] is None


def test_a_conversation_still_inside_its_sla_is_not_judged_one_past_it_is_a_breach() -> None:
    waiting = [_facts(1, 0, None), _facts(2, 1000, None)]
    now = T + timedelta(seconds=2000)  # the first is 200 s late, the second has 800 s left
    figures = kpis(waiting, now=now)
    assert figures["chat_waiting"] == 2 and figures["chat_sl_pct"] == 0.0  # 0 of 1 known


def test_answered_exactly_at_the_sla_counts_within_and_percentiles_are_nearest_rank() -> None:
    handled = [_facts(n, 0, s) for n, s in enumerate([1800, 60, 120, 3000, 600], start=1)]
    figures = kpis(handled, now=T + timedelta(hours=2))
    assert figures["chat_answered_within_sla"] == 4 and figures["chat_sl_pct"] == 80.0
    assert figures["chat_first_response_p50_s"] == 600.0  # 3rd of 60,120,600,1800,3000
    assert figures["chat_first_response_p90_s"] == 3000.0


def test_gone_before_a_reply_is_abandoned_and_each_channel_is_counted_apart() -> None:
    facts = [_facts(1, 0, None, end_s=300), _facts(2, 0, 100), _facts(3, 0, 100, end_s=500)]
    split = by_channel(facts, sla=RULES, now=T + timedelta(seconds=10))
    assert split["definition"] == "chat-v1"
    assert split["total"]["chat_abandoned"] == 1 and split["total"]["chat_handled"] == 2
    assert split["channels"]["line"]["chat_offered"] == 2
    assert split["channels"]["facebook"]["chat_handled"] == 1


def test_each_channel_is_judged_by_its_own_stored_due_time() -> None:
    # both answered after 2 hours: late on LINE (due in 30 min), in time on e-mail (24 h)
    answered = [
        Facts(1, "line", T, RULES.due("line", T), T + timedelta(hours=2), None),
        Facts(2, "email", T, RULES.due("email", T), T + timedelta(hours=2), None),
    ]
    split = by_channel(answered, sla=RULES, now=T + timedelta(hours=3))
    assert split["channels"]["line"]["chat_sl_pct"] == 0.0
    assert split["channels"]["email"]["chat_sl_pct"] == 100.0
    assert split["sla_s"]["email"] == 86400.0 and split["sla_24_7"]["line"] is True
    assert split["total"]["chat_answered_within_sla"] == 1


def test_a_reply_hours_after_the_hand_off_is_in_time_when_the_due_time_was_monday() -> None:
    # handed off out of hours: due much later than 30 min; a reply before then is in time,
    # one still waiting past it is a breach
    friday = datetime(2026, 12, 11, 11, 0, tzinfo=UTC)  # 18:00 in Bangkok
    monday = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok
    facts = [
        Facts(1, "line", friday, monday, monday - timedelta(minutes=5), None),
        Facts(2, "line", friday, monday, None, None),
    ]
    before = kpis(facts, now=monday - timedelta(seconds=1))
    assert before["chat_answered_within_sla"] == 1 and before["chat_sl_pct"] == 100.0
    assert kpis(facts, now=monday)["chat_sl_pct"] == 100.0  # due now: a reply is in time
    late = kpis(facts, now=monday + timedelta(seconds=1))
    assert late["chat_sl_pct"] == 50.0  # the waiting one is late now
    assert before["chat_first_response_p50_s"] == (monday - friday).total_seconds() - 300
