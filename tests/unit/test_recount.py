"""kpi-v1.1 recounted from queue_log only: real scenarios, formula edges, transfers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callcenter.reconcile import parse_lines, read_file, recount, to_records
from callcenter.reconcile.recount import Recount
from queue_metrics.records import Outcome

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "queue_log"
ALL_TIME = {"start": 0, "end": 2**40}
HEADLINE = [
    "offered", "answered", "abandoned", "short_abandoned", "timeout", "no_agents", "key_exit",
    "withdrawn", "answered_within_sl", "sl_pct", "answer_rate_pct", "abandon_rate_pct",
    "sl_asterisk_pct", "asa_s", "max_wait_s", "aht_s", "avg_talk_s", "definition",
]  # fmt: skip
T0 = 1_795_000_000  # an interval start (epoch seconds)


def fixture(name: str, **kw: Any) -> Recount:
    result = read_file(FIXTURES / name)
    assert result.problems == []
    return recount(result.entries, **{**ALL_TIME, **kw})


def lines(*rows: str, **kw: Any) -> Recount:
    return recount(parse_lines(rows).entries, **{**ALL_TIME, **kw})


def picked(figures: dict[str, Any], **expected: Any) -> dict[str, Any]:
    return {k: figures[k] for k in expected}


def test_output_has_exactly_the_headline_fields_and_open() -> None:
    result = fixture("answered.log")
    assert list(result.centre.kpis) == HEADLINE
    assert result.centre.kpis["definition"] == "kpi-v1.1"
    assert result.as_dict()["centre"]["open"] == 0
    assert result.as_dict()["definition"] == "kpi-v1.1"


# ---- real scenarios (simulator runs against the real Asterisk) -------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # 4 calls, 2 agents: waits 1,1,7,7, talk 5 each
        ("answered.log", {"offered": 4, "answered": 4, "answered_within_sl": 4, "sl_pct": 100.0,
                          "asa_s": 4.0, "max_wait_s": 7.0, "aht_s": 5.0, "avg_talk_s": 5.0}),
        # patience 2 s, agent rings 12 s: two abandons after 1 s, both short
        ("short_abandon.log", {"offered": 2, "abandoned": 2, "short_abandoned": 2,
                               "sl_pct": None, "answer_rate_pct": None, "abandon_rate_pct": None,
                               "max_wait_s": 1.0}),
        # patience 8 s: abandoned after 7 s, not short
        ("abandon.log", {"offered": 1, "abandoned": 1, "short_abandoned": 0, "sl_pct": 0.0,
                         "abandon_rate_pct": 100.0, "sl_asterisk_pct": None, "asa_s": None}),
        # 4 calls, 1 agent, queue timeout 3 s
        ("timeout.log", {"offered": 4, "answered": 1, "timeout": 3, "sl_pct": 25.0,
                         "abandon_rate_pct": 75.0, "sl_asterisk_pct": 100.0, "aht_s": 8.0}),
        # no agent logged in: EXITEMPTY at once
        ("no_agents.log", {"offered": 2, "no_agents": 2, "answered": 0, "sl_pct": 0.0,
                           "max_wait_s": 0.0, "aht_s": None}),
        # 2 agents, 1 paused ('break'): one agent serves three callers in turn
        ("paused.log", {"offered": 3, "answered": 3, "asa_s": 6.0, "max_wait_s": 11.0}),
        # 1 agent, talk 8 s: the third caller waits 23 s (> 15)
        ("sl_miss.log", {"offered": 3, "answered": 3, "answered_within_sl": 2,
                         "sl_asterisk_pct": pytest.approx(200 / 3), "asa_s": 12.0}),
    ],
)  # fmt: skip
def test_real_scenarios(name: str, expected: dict[str, Any]) -> None:
    (queue,) = fixture(name).queues.values()
    assert picked(queue.kpis, **expected) == expected
    assert queue.open == 0


def test_real_mix_of_every_exit_and_blind_transfers() -> None:
    result = fixture("mixed_verbs.log")
    shop = result.queues["online-shopping"].kpis
    assert picked(shop, offered=11, answered=5, abandoned=2, short_abandoned=1, timeout=1,
                  no_agents=1, key_exit=1, withdrawn=1, answered_within_sl=4) == {
        "offered": 11, "answered": 5, "abandoned": 2, "short_abandoned": 1, "timeout": 1,
        "no_agents": 1, "key_exit": 1, "withdrawn": 1, "answered_within_sl": 4,
    }  # fmt: skip
    # denominators leave out the short abandon and the withdrawn call: 11 - 1 - 1 = 9
    assert shop["sl_pct"] == pytest.approx(400 / 9)
    assert shop["answer_rate_pct"] == pytest.approx(500 / 9)
    assert shop["abandon_rate_pct"] == pytest.approx(400 / 9)
    assert shop["max_wait_s"] == 17.0
    # two calls were blind-transferred after 2 s of talk; the others talked 5, 5, 3 s
    assert shop["avg_talk_s"] == pytest.approx((5 + 5 + 2 + 2 + 3) / 5)
    second = result.queues["illegal-websites"].kpis
    assert picked(second, offered=2, answered=2) == {"offered": 2, "answered": 2}
    centre = result.centre.kpis
    assert centre["offered"] == 11  # the two transferred callers are counted once
    assert centre["avg_talk_s"] == pytest.approx((5 + 5 + 7 + 7 + 3) / 5)


def test_asterisk_shutdown_leaves_no_call_open() -> None:
    result = fixture("shutdown.log")
    web = result.queues["illegal-websites"]
    # at `core stop now` the two waiting callers were logged ABANDON after exactly 5 s
    assert picked(web.kpis, offered=4, answered=2, abandoned=2, short_abandoned=2) == {
        "offered": 4,
        "answered": 2,
        "abandoned": 2,
        "short_abandoned": 2,
    }
    assert web.open == 0


def test_redirect_to_another_queue_is_an_abandon_there_but_one_answered_caller() -> None:
    result = fixture("redirect_transfer.log")
    first = result.queues["illegal-websites"].kpis
    assert picked(first, offered=1, abandoned=1, short_abandoned=1) == {
        "offered": 1,
        "abandoned": 1,
        "short_abandoned": 1,
    }
    assert result.queues["digital-law"].kpis["answered"] == 1
    centre = result.centre.kpis
    assert picked(centre, offered=1, answered=1, abandoned=0, asa_s=4.0) == {
        "offered": 1,
        "answered": 1,
        "abandoned": 0,
        "asa_s": 4.0,  # 3 s in the first queue + 1 s in the second
    }


# ---- formula edges (hand-written lines) ------------------------------------------


def answered(callid: str, wait: int, talk: int, *, queue: str = "q1", at: int = T0) -> list[str]:
    return [
        f"{at}|{callid}|{queue}|NONE|ENTERQUEUE||0812345678|1",
        f"{at + wait}|{callid}|{queue}|agent-1|CONNECT|{wait}|{callid}.m|{wait}",
        f"{at + wait + talk}|{callid}|{queue}|agent-1|COMPLETEAGENT|{wait}|{talk}|1",
    ]


def left(callid: str, verb: str, wait: int, *, queue: str = "q1", at: int = T0) -> list[str]:
    data = {"EXITWITHKEY": f"9|1|1|{wait}", "WITHDRAW": f"1|1|{wait}|callback"}
    return [
        f"{at}|{callid}|{queue}|NONE|ENTERQUEUE||0812345678|1",
        f"{at + wait}|{callid}|{queue}|NONE|{verb}|{data.get(verb, f'1|1|{wait}')}",
    ]


def test_wait_of_exactly_the_threshold_is_within_sl() -> None:
    result = lines(*answered("a", 15, 60), *answered("b", 16, 60))
    kpis = result.queues["q1"].kpis
    assert kpis["answered_within_sl"] == 1
    assert kpis["sl_pct"] == 50.0 and kpis["sl_asterisk_pct"] == 50.0
    assert kpis["asa_s"] == 15.5 and kpis["max_wait_s"] == 16.0


def test_threshold_is_a_parameter() -> None:
    result = lines(*answered("a", 15, 60), *answered("b", 16, 60), sl_threshold_s=20)
    assert result.queues["q1"].kpis["answered_within_sl"] == 2


def test_abandon_at_exactly_five_seconds_is_short() -> None:
    rows = [*left("a", "ABANDON", 5), *left("b", "ABANDON", 6), *answered("c", 3, 30)]
    kpis = lines(*rows).queues["q1"].kpis
    assert (kpis["abandoned"], kpis["short_abandoned"]) == (2, 1)
    # denominator 3 - 1 short: one answered, one lost
    assert (kpis["sl_pct"], kpis["answer_rate_pct"], kpis["abandon_rate_pct"]) == (50.0, 50.0, 50.0)
    assert lines(*rows, short_abandon_s=6).queues["q1"].kpis["short_abandoned"] == 2


def test_every_unanswered_non_short_exit_counts_against_sl() -> None:
    rows = [
        *answered("a", 2, 30),
        *left("b", "EXITWITHTIMEOUT", 300),
        *left("c", "EXITEMPTY", 0),
        *left("d", "EXITWITHKEY", 4),
        *left("e", "WITHDRAW", 20),
    ]
    kpis = lines(*rows).queues["q1"].kpis
    assert picked(kpis, timeout=1, no_agents=1, key_exit=1, withdrawn=1) == {
        "timeout": 1,
        "no_agents": 1,
        "key_exit": 1,
        "withdrawn": 1,
    }
    # 5 offered - 1 withdrawn = 4; a short exit that is not an abandon still counts
    assert kpis["sl_pct"] == 25.0 and kpis["abandon_rate_pct"] == 75.0
    assert kpis["max_wait_s"] == 300.0


def test_empty_period_gives_nulls_never_zero_division() -> None:
    result = lines(*answered("a", 3, 30), start=T0 + 3600, end=T0 + 7200, queues=["q1", "q2"])
    for figures in (*result.queues.values(), result.centre):
        kpis = figures.kpis
        assert kpis["offered"] == 0 and figures.open == 0
        for key in ("sl_pct", "answer_rate_pct", "abandon_rate_pct", "sl_asterisk_pct"):
            assert kpis[key] is None
        for key in ("asa_s", "max_wait_s", "aht_s", "avg_talk_s"):
            assert kpis[key] is None


def test_interval_is_half_open_on_entry_time() -> None:
    rows = [
        *answered("before", 3, 30, at=T0 - 1),  # entered before, answered inside
        *answered("first", 3, 30, at=T0),
        *answered("last", 3, 30, at=T0 + 899),
        *answered("after", 3, 30, at=T0 + 900),
    ]
    result = lines(*rows, start=T0, end=T0 + 900)
    assert result.queues["q1"].kpis["offered"] == 2
    assert result.centre.kpis["offered"] == 2


def test_call_still_waiting_is_open_and_not_offered_yet() -> None:
    # As the live figures (docs/kpi-v1.md): a queue call counts once its outcome is known.
    # The recount used to put a waiting caller in the denominators, so a period with
    # callers waiting showed an SL the live service could never agree with.
    rows = [*answered("a", 3, 30), f"{T0 + 10}|b|q1|NONE|ENTERQUEUE||0899999999|1"]
    figures = lines(*rows).queues["q1"]
    assert (figures.kpis["offered"], figures.kpis["answered"], figures.open) == (1, 1, 1)
    assert figures.kpis["sl_pct"] == 100.0 and figures.kpis["max_wait_s"] == 3.0


def test_answered_call_still_talking_has_no_handle_time_yet() -> None:
    rows = answered("a", 3, 30)[:2]
    kpis = lines(*rows).queues["q1"].kpis
    assert (kpis["answered"], kpis["asa_s"]) == (1, 3.0)
    assert kpis["aht_s"] is None and kpis["avg_talk_s"] is None


def test_aht_adds_the_queue_wrapup_and_no_hold() -> None:
    rows = [*answered("a", 3, 100), *answered("b", 3, 200), *answered("c", 3, 50, queue="q2")]
    result = lines(*rows, wrapup_s_by_queue={"q1": 30})
    assert result.queues["q1"].kpis["aht_s"] == 180.0
    assert result.queues["q1"].kpis["avg_talk_s"] == 150.0
    assert result.queues["q2"].kpis["aht_s"] == 50.0


def test_refusal_logged_by_the_dialplan_is_a_no_agents_call() -> None:
    kpis = lines(f"{T0}|r|q1|NONE|JOINEMPTY|").queues["q1"].kpis
    assert (kpis["offered"], kpis["no_agents"], kpis["max_wait_s"]) == (1, 1, 0.0)


def test_double_abandon_counts_once() -> None:
    # try_calling() and queue_exec() can both log ABANDON for one caller
    rows = [*left("a", "ABANDON", 9), f"{T0 + 9}|a|q1|agent-1|ABANDON|1|1|9"]
    assert lines(*rows).queues["q1"].kpis["abandoned"] == 1


# ---- records and centre ------------------------------------------------------------


def test_to_records_fields() -> None:
    rows = [
        *answered("a", 4, 40),
        f"{T0}|b|q1|NONE|ENTERQUEUE||0811111111|2",
        f"{T0 + 6}|b|q1|agent-2|CONNECT|6|b.m|2",
        f"{T0 + 26}|b|q1|agent-2|ATTENDEDTRANSFER|BRIDGE|br-1|6|20|2",
    ]
    a, b = to_records(parse_lines(rows).entries, wrapup_s_by_queue={"q1": 15})
    assert (a.call_id, a.linkedid, a.queue, a.caller) == ("a", "a", "q1", "0812345678")
    assert (a.outcome, a.wait_s, a.agent, a.answered_at) == (Outcome.answered, 4, "agent-1", T0 + 4)
    assert (a.talk_s, a.ended_at, a.hold_s, a.wrapup_s) == (40, T0 + 44, 0, 15)
    assert a.finished and a.transferred_to is None and a.ended_by == "agent"
    assert (b.talk_s, b.transferred_to, b.ended_by) == (20, "BRIDGE:br-1", "transfer")


def test_to_records_without_the_enterqueue_line() -> None:
    # reading started after the call entered: entry time comes from Asterisk's waits
    rows = [
        f"{T0 + 7}|x|q1|agent-1|CONNECT|7|x.m|2",
        f"{T0 + 50}|x|q1|agent-1|COMPLETECALLER|7|43|1",
        f"{T0 + 12}|y|q1|NONE|EXITWITHTIMEOUT|1|1|12",
    ]
    x, y = to_records(parse_lines(rows).entries)
    assert (x.entered_at, x.outcome, x.talk_s, x.ended_by) == (T0, Outcome.answered, 43, "caller")
    assert (y.entered_at, y.outcome, y.wait_s) == (T0, Outcome.timeout, 12)


def test_blind_transfer_keeps_the_callid_and_counts_the_caller_once() -> None:
    rows = [
        *answered("c", 2, 30, queue="q1")[:2],
        f"{T0 + 32}|c|q1|agent-1|BLINDTRANSFER|q2|queue-entry|2|30|1",
        f"{T0 + 32}|c|q2|NONE|ENTERQUEUE||0812345678|1",
        f"{T0 + 52}|c|q2|agent-2|CONNECT|20|c.n|1",
        f"{T0 + 112}|c|q2|agent-2|COMPLETEAGENT|20|60|1",
    ]
    result = lines(*rows, wrapup_s_by_queue={"q1": 10, "q2": 10})
    assert result.queues["q1"].kpis["answered_within_sl"] == 1
    assert result.queues["q2"].kpis["answered_within_sl"] == 0
    centre = result.centre.kpis
    assert (centre["offered"], centre["answered"], centre["answered_within_sl"]) == (1, 1, 1)
    assert (centre["asa_s"], centre["avg_talk_s"], centre["aht_s"]) == (2.0, 90.0, 110.0)


def test_caller_lost_after_a_move_is_one_lost_call() -> None:
    rows = [
        *left("m", "ABANDON", 8, queue="q1"),
        *left("m", "EXITWITHTIMEOUT", 30, queue="q2", at=T0 + 8),
    ]
    centre = lines(*rows).centre.kpis
    assert (centre["offered"], centre["timeout"], centre["abandoned"]) == (1, 1, 0)
    assert centre["max_wait_s"] == 38.0


def test_centre_counts_a_caller_in_the_interval_of_the_first_entry() -> None:
    rows = [*left("m", "ABANDON", 8, at=T0 - 8), *answered("m", 5, 60, queue="q2", at=T0)]
    result = lines(*rows, start=T0, end=T0 + 900)
    assert result.queues["q2"].kpis["offered"] == 1
    assert result.centre.kpis["offered"] == 0
