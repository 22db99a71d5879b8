"""The wallboard's running KPIs always equal kpi-v1.1 recomputed from the same calls."""

from __future__ import annotations

import random

from queue_metrics import kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.records import CallRecord, Outcome
from queue_metrics.running import RunningKpis

CONFIG = MetricsConfig(queues=("general", "billing"))
T0 = 1_764_400_000.0


def _record(rng: random.Random, n: int) -> CallRecord:
    """A queue call of one of a few callers (transfers share a linkedid), any state."""
    outcome = rng.choice([None, *Outcome])
    answered = outcome is Outcome.answered
    talk = rng.choice([None, rng.randint(0, 900)]) if answered else None
    return CallRecord(
        call_id=f"c{n % 40}",
        linkedid=rng.choice([f"l{n % 25}", ""]),
        queue=rng.choice(["general", "billing", "other"]),
        entered_at=T0 + (n % 40) * 60 + rng.random(),
        outcome=outcome,
        wait_s=rng.choice([None, rng.randint(0, 40)]) if outcome else None,
        talk_s=talk,
        hold_s=rng.randint(0, 30) if answered else 0,
        wrapup_s=rng.randint(0, 20) if answered else 0,
    )


def _key(record: CallRecord) -> tuple[str, str, int]:
    return record.call_id, record.queue, int(record.entered_at)


def test_running_kpis_equal_a_full_recount_through_puts_replacements_and_removals() -> None:
    rng = random.Random(1212)
    running = RunningKpis(config=CONFIG)
    book: dict[tuple[str, str, int], CallRecord] = {}
    for n in range(3000):
        step = rng.random()
        if step < 0.8:
            record = _record(rng, n)
            book[_key(record)] = record
            running.put(_key(record), record)
        elif step < 0.95 and book:
            key = rng.choice(list(book))
            del book[key]
            running.forget(key)
        else:
            start = T0 + rng.randint(0, 20) * 60
            book = {k: r for k, r in book.items() if r.entered_at >= start}
            running.remove_before(start)
        if n % 50 == 0:
            assert running.result() == kpi.compute(book.values(), config=CONFIG), n
    assert running.result() == kpi.compute(book.values(), config=CONFIG)


def test_empty_running_kpis_show_every_configured_queue() -> None:
    assert RunningKpis(config=CONFIG).result() == kpi.compute([], config=CONFIG)
