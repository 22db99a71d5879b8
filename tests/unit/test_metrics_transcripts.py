"""Real AMI transcripts replayed through translate + engine give queue_log's own figures.

Fixtures: tests/fixtures/ami/<name>.jsonl (AMI header dicts) and <name>.queue_log (the lines
Asterisk wrote for the same calls), recorded by tests/fixtures/record_transcript.py.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from queue_metrics import kpi
from queue_metrics.engine import MetricsEngine
from queue_metrics.records import Outcome
from tests.unit.transcripts_support import (
    CONFIG,
    EXITS,
    NAMES,
    QUEUE,
    QUEUE2,
    load,
    queue_log,
    recount,
    replay,
)


def verbs(lines: list[str]) -> Counter[str]:
    return Counter(line.split("|")[4] for line in lines)


def figures(result: dict[str, Any]) -> dict[str, Any]:
    return {"centre": result["centre"], **result["queues"]}


@pytest.mark.parametrize("name", NAMES)
def test_replay_equals_queue_log_recount(name: str) -> None:
    engine = MetricsEngine(config=CONFIG)
    replay(engine, load(name))
    live = kpi.compute(engine.finished, config=CONFIG)
    audit = kpi.compute(recount(queue_log(name)), config=CONFIG)
    assert figures(live) == figures(audit)
    assert not engine.calls.open and not engine.unresolved


@pytest.mark.parametrize("name", NAMES)
def test_counts_match_queue_log_verbs(name: str) -> None:
    engine = MetricsEngine(config=CONFIG)
    replay(engine, load(name))
    got = kpi.compute(engine.finished, config=CONFIG)["queues"]
    n = verbs(queue_log(name))
    assert sum(q["offered"] for q in got.values()) == n["ENTERQUEUE"]
    assert sum(q["answered"] for q in got.values()) == n["CONNECT"]
    for verb, (outcome, _) in EXITS.items():
        assert sum(q[outcome.value] for q in got.values()) == n[verb], verb


EXPECTED = {
    # name: [(queue, outcome, wait_s, talk_s)] as Asterisk wrote them to queue_log
    "answered": [(QUEUE, "answered", 1, 5)],
    "caller_hangs_up": [(QUEUE, "answered", 1, 3)],
    "abandoned_ringing": [(QUEUE, "abandoned", 3, None)],
    "abandoned_paused": [(QUEUE, "abandoned", 7, None)],
    "timeout": [(QUEUE, "timeout", 6, None)],
    "no_agents": [(QUEUE, "no_agents", 0, None)],
    "key_exit": [(QUEUE, "key_exit", 0, None)],
    "ring_no_answer": [(QUEUE, "answered", 17, 5)],
    "transfer": [(QUEUE, "answered", 2, 2), (QUEUE2, "answered", 1, 5)],
    "withdrawn": [(QUEUE, "withdrawn", 3, None)],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_transcript_outcome(name: str) -> None:
    engine = MetricsEngine(config=CONFIG)
    replay(engine, load(name))
    got = [(r.queue, r.outcome, r.wait_s, r.talk_s) for r in engine.finished]
    assert got == EXPECTED[name]


def test_abandon_event_alone_never_decides_the_outcome() -> None:
    """QueueCallerAbandon fires for timeout, empty and withdraw exits too (docs/kpi-v1.md)."""
    for name in ("timeout", "no_agents", "withdrawn"):
        assert any(h.get("Event") == "QueueCallerAbandon" for h in load(name)), name
        engine = MetricsEngine(config=CONFIG)
        replay(engine, load(name))
        assert engine.finished[0].outcome is not Outcome.abandoned


def test_whole_day_of_transcripts_equals_recount() -> None:
    engine = MetricsEngine(config=CONFIG)
    lines = [line for name in NAMES for line in queue_log(name)]
    for name in NAMES:
        replay(engine, load(name))
    live = kpi.compute(engine.finished, config=CONFIG)
    assert figures(live) == figures(kpi.compute(recount(lines), config=CONFIG))
    centre = live["centre"]
    assert centre["offered"] == len(EXPECTED)  # the transferred caller counts once
    assert centre["short_abandoned"] == 1 and centre["answered_within_sl"] == 3
