"""The worked example of docs/kpi-v1.md gives the figures the document states, from both sources.

The queue_log lines are read from the document itself, so the example cannot drift from
the code: the recount reads them as queue_log, the live formulas get the same calls plus
the 30 s hold that only AMI knows.
"""

from __future__ import annotations

import re
from pathlib import Path

from callcenter.reconcile import parse_lines, recount, to_records
from queue_metrics import kpi
from queue_metrics.config import MetricsConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "kpi-v1.md"
QUEUE = "online-shopping"
WRAPUP = {QUEUE: 30}
START = 1796007600  # 2026-11-30 10:00 Asia/Bangkok
STATED = {
    "offered": 6, "answered": 2, "abandoned": 2, "short_abandoned": 1, "timeout": 1,
    "no_agents": 0, "key_exit": 0, "withdrawn": 1, "answered_within_sl": 1,
    "sl_pct": 25.0, "answer_rate_pct": 50.0, "abandon_rate_pct": 50.0, "sl_asterisk_pct": 50.0,
    "asa_s": 12.0, "max_wait_s": 300.0, "aht_s": 270.0, "avg_talk_s": 240.0,
}  # fmt: skip


def example_lines() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- worked-example: queue_log.*?-->\n```text\n(.*?)```", text, re.S)
    assert block is not None, "the worked example's queue_log block is missing"
    return block.group(1).splitlines()


def test_the_recount_of_the_example_gives_the_stated_figures() -> None:
    parsed = parse_lines(example_lines())
    assert parsed.problems == []
    counted = recount(parsed.entries, start=START, end=START + 900, wrapup_s_by_queue=WRAPUP)
    figures = counted.queues[QUEUE].kpis
    assert {k: figures[k] for k in STATED} == STATED
    assert figures["definition"] == "kpi-v1.1"


def test_the_live_formulas_give_the_same_and_the_hold_apart() -> None:
    records = to_records(parse_lines(example_lines()).entries, wrapup_s_by_queue=WRAPUP)
    held = [r.with_(hold_s=30) if r.call_id == "c1" else r for r in records]
    config = MetricsConfig(queues=(QUEUE,), wrapup_s=WRAPUP)
    figures = kpi.compute(held, config=config, window=(START, START + 900))["queues"][QUEUE]
    assert {k: figures[k] for k in STATED} == STATED
    assert figures["avg_hold_s"] == 15.0  # and aht_s stays 270.0: the hold is inside the talk
