"""kpi-v1.1 AHT on a replayed call with a hold: talk (hold inside) + wrap-up, hold reported apart.

The recorded `answered` transcript (real Asterisk: 1 s wait, 5 s talk) with the agent's
leg put on hold for 2 s mid-talk: Asterisk's Hold/Unhold AMI events, headers as Asterisk
sends them, placed between AgentConnect and AgentComplete. Talk time stays 5 s, as Asterisk
reports it (a hold does not stop the bridge's clock), so the hold must not be added again.
"""

from __future__ import annotations

from callcenter.reconcile import parse_lines, recount
from queue_metrics import kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.engine import MetricsEngine
from tests.unit.transcripts_support import QUEUE, QUEUE2, load, queue_log, replay

WRAPUP_S = 10
CONFIG = MetricsConfig(queues=(QUEUE, QUEUE2), wrapup_s={QUEUE: WRAPUP_S})


def with_hold(lines: list[dict[str, str]], *, after_s: float, for_s: float) -> list[dict[str, str]]:
    """The transcript with the agent's leg held `after_s` into the talk, for `for_s` seconds."""
    connect = next(h for h in lines if h.get("Event") == "AgentConnect")
    leg, at = connect["DestUniqueid"], float(connect["Timestamp"]) + after_s

    def event(name: str, ts: float) -> dict[str, str]:
        return {
            "Event": name, "Timestamp": f"{ts:.6f}", "Channel": connect["DestChannel"],
            "Uniqueid": leg, "Linkedid": connect["Linkedid"], "MusicClass": "default",
        }  # fmt: skip

    i = lines.index(connect) + 1
    return [*lines[:i], event("Hold", at), event("Unhold", at + for_s), *lines[i:]]


def test_a_held_call_has_aht_of_talk_plus_wrapup_and_its_hold_apart() -> None:
    engine = MetricsEngine(config=CONFIG)
    replay(engine, with_hold(load("answered"), after_s=1.2, for_s=2.0))
    (record,) = engine.finished
    assert (record.talk_s, record.hold_s, record.wrapup_s) == (5, 2, WRAPUP_S)
    figures = kpi.compute(engine.finished, config=CONFIG)
    for scope in (figures["centre"], figures["queues"][QUEUE]):
        assert scope["aht_s"] == 5 + WRAPUP_S  # kpi-v1 said 17: the 2 s held, twice
        assert scope["avg_talk_s"] == 5.0 and scope["avg_hold_s"] == 2.0


def test_aht_of_a_held_call_equals_the_queue_log_recount() -> None:
    """queue_log has no hold verb: with hold counted once, AHT is recountable from it."""
    engine = MetricsEngine(config=CONFIG)
    replay(engine, with_hold(load("answered"), after_s=1.2, for_s=2.0))
    live = kpi.compute(engine.finished, config=CONFIG)["queues"][QUEUE]
    entries = parse_lines(queue_log("answered")).entries
    audit = recount(entries, start=0, end=2**40, wrapup_s_by_queue={QUEUE: WRAPUP_S})
    assert live["aht_s"] == audit.queues[QUEUE].kpis["aht_s"] == 15.0
    assert "avg_hold_s" not in audit.queues[QUEUE].kpis  # not in queue_log: not recounted


def test_no_hold_gives_avg_hold_zero_and_no_call_gives_null() -> None:
    engine = MetricsEngine(config=CONFIG)
    replay(engine, load("answered"))
    figures = kpi.compute(engine.finished, config=CONFIG)["queues"]
    assert figures[QUEUE]["avg_hold_s"] == 0.0 and figures[QUEUE]["aht_s"] == 15.0
    assert figures[QUEUE2]["avg_hold_s"] is None  # no handled call: null, not 0
