"""kpi-v1.1 headline KPIs (docs/kpi-v1.md) from CallRecords, per queue and centre-wide."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from queue_metrics import intervals
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size, Window
from queue_metrics.records import DEFINITION, CallRecord, Outcome

FIELDS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "timeout",
    "no_agents",
    "key_exit",
    "withdrawn",
    "answered_within_sl",
    "sl_pct",
    "answer_rate_pct",
    "abandon_rate_pct",
    "sl_asterisk_pct",
    "asa_s",
    "max_wait_s",
    "aht_s",
    "avg_talk_s",
    "avg_hold_s",
)


@dataclass(frozen=True, slots=True)
class CallerCall:
    """One caller's call (all its queue calls with one linkedid) as the centre counts it."""

    record: CallRecord  # outcome, pre-answer wait and handle times of the whole call
    longest_wait_s: int | None  # its longest wait: the total, or one later queue wait


def compute(
    records: Iterable[CallRecord], *, config: MetricsConfig, window: Window | None = None
) -> dict[str, Any]:
    """KPIs of calls that entered in `window` (all when None): {definition, centre, queues}.

    Only queue calls with an outcome count (a caller still waiting is not offered yet).
    Per queue, each queue call counts. The centre counts each caller's call once, by
    linkedid, and belongs to the window of its first queue entry; see `caller_calls`.
    """
    done = [r for r in records if r.outcome is not None]
    per_queue = [r for r in done if intervals.inside(r.entered_at, window)]
    centre = [c for c in caller_calls(done) if intervals.inside(c.record.entered_at, window)]
    return _result(per_queue, centre, config)


def by_interval(
    records: Iterable[CallRecord], *, size: Size, config: MetricsConfig
) -> dict[str, dict[str, Any]]:
    """`compute()` for every interval of `size` (local time) in which calls entered."""
    tz = intervals.zone(config.tz)
    done = [r for r in records if r.outcome is not None]
    queue_rows: dict[Window, list[CallRecord]] = defaultdict(list)
    centre_rows: dict[Window, list[CallerCall]] = defaultdict(list)
    for r in done:
        queue_rows[intervals.bucket(r.entered_at, size, tz)].append(r)
    for c in caller_calls(done):
        centre_rows[intervals.bucket(c.record.entered_at, size, tz)].append(c)
    return {
        intervals.label(w[0], size, tz): _result(queue_rows[w], centre_rows[w], config)
        for w in sorted(queue_rows.keys() | centre_rows.keys())
    }


def caller_calls(records: Iterable[CallRecord]) -> list[CallerCall]:
    """Queue calls grouped by linkedid into one call per caller, in entry order.

    - entered_at: the first queue entry (the call's interval).
    - outcome: answered if any of its queue calls was answered, else the last one's.
    - wait_s: the waits summed up to and including the first answer (all of them when
      never answered): how long the caller waited for a first agent. SL, ASA and short
      abandons use it.
    - talk_s, hold_s, wrapup_s: summed over every answered queue call (transfers
      included): the whole handle time; talk_s is None while one is still in talk.
    - max_wait_s uses `longest_wait_s`: that total, or a longer single queue wait.
    """
    groups: dict[str, list[CallRecord]] = defaultdict(list)
    for r in records:
        if r.outcome is not None:
            groups[r.linkedid or r.call_id].append(r)
    calls = [_caller_call(sorted(g, key=lambda r: r.entered_at)) for g in groups.values()]
    return sorted(calls, key=lambda c: c.record.entered_at)


def kpis(
    records: list[CallRecord], config: MetricsConfig, *, longest: list[int] | None = None
) -> dict[str, Any]:
    """The kpi-v1.1 fields of one set of calls; `longest` overrides their waits for max_wait_s."""
    tally = Tally()
    for r in records:
        tally.add(r, config, longest=r.wait_s if longest is None else None, sign=1)
    tally.waits.update(longest or ())
    return tally.kpis(config)


def is_short_abandon(outcome: str | None, wait_s: int | None, *, short_abandon_s: int) -> bool:
    """kpi-v1.1's short abandon: abandoned after a KNOWN wait of at most `short_abandon_s`
    (an abandon of unknown wait counts as a real loss, and is owed a callback)."""
    return outcome == Outcome.abandoned.value and wait_s is not None and wait_s <= short_abandon_s


@dataclass(slots=True)
class Tally:
    """Running sums of one set of finished calls (add with sign -1 to take one out): the one
    place the kpi-v1.1 counts and formulas live, for the stored periods and the wallboard."""

    counts: Counter[str] = field(default_factory=Counter)
    answered_wait: int = 0
    handled: int = 0
    handle_time: int = 0
    talk_time: int = 0
    hold_time: int = 0
    waits: Counter[int] = field(default_factory=Counter)  # for max_wait_s

    def add(self, r: CallRecord, config: MetricsConfig, *, longest: int | None, sign: int) -> None:
        assert r.outcome is not None
        counts = self.counts
        counts["offered"] += sign
        counts[r.outcome.value] += sign
        wait = r.wait_s
        if is_short_abandon(r.outcome.value, wait, short_abandon_s=config.short_abandon_s):
            counts["short_abandoned"] += sign
        elif r.outcome is Outcome.answered and wait is not None and wait <= config.sl_threshold_s:
            counts["answered_within_sl"] += sign  # Asterisk's own test: whole-second wait
        if r.outcome is Outcome.answered:
            self.answered_wait += sign * (wait or 0)
            if r.talk_s is not None:
                self.handled += sign
                # Asterisk's talk time already contains the hold (kpi-v1.1; kpi-v1 added it
                # twice): hold is reported apart, as avg_hold_s.
                self.handle_time += sign * (r.talk_s + r.wrapup_s)
                self.talk_time += sign * r.talk_s
                self.hold_time += sign * r.hold_s
        if longest is not None:
            self.waits[longest] += sign
            if not self.waits[longest]:
                del self.waits[longest]

    def merge(self, other: Tally) -> None:
        """Add another set's sums to these (the max wait is the larger of the two)."""
        self.counts.update(other.counts)
        self.answered_wait += other.answered_wait
        self.handled += other.handled
        self.handle_time += other.handle_time
        self.talk_time += other.talk_time
        self.hold_time += other.hold_time
        if other.waits:
            top = max(other.waits)
            self.waits[top] += 1

    def kpis(self, config: MetricsConfig) -> dict[str, Any]:
        n = {name: self.counts[name] for name in FIELDS[:9]}
        base = n["offered"] - n["short_abandoned"] - n["withdrawn"]
        return {
            **n,
            "sl_pct": pct(n["answered_within_sl"], base),
            "answer_rate_pct": pct(n["answered"], base),
            "abandon_rate_pct": pct(base - n["answered"], base),
            "sl_asterisk_pct": pct(n["answered_within_sl"], n["answered"]),
            "asa_s": _mean(self.answered_wait, n["answered"]),
            "max_wait_s": float(max(self.waits)) if self.waits else None,
            "aht_s": _mean(self.handle_time, self.handled),
            "avg_talk_s": _mean(self.talk_time, self.handled),
            "avg_hold_s": _mean(self.hold_time, self.handled),
            "definition": DEFINITION,
        }


def _result(
    per_queue: list[CallRecord], centre: list[CallerCall], config: MetricsConfig
) -> dict[str, Any]:
    by_queue: dict[str, list[CallRecord]] = {q: [] for q in config.queues}
    for r in per_queue:
        by_queue.setdefault(r.queue, []).append(r)
    longest = [c.longest_wait_s for c in centre if c.longest_wait_s is not None]
    return {
        "definition": DEFINITION,
        "centre": kpis([c.record for c in centre], config, longest=longest),
        "queues": {q: kpis(rows, config) for q, rows in sorted(by_queue.items())},
    }


def _caller_call(group: list[CallRecord]) -> CallerCall:
    first_answer = next((i for i, r in enumerate(group) if r.outcome is Outcome.answered), None)
    before = group if first_answer is None else group[: first_answer + 1]
    answered = [r for r in group if r.outcome is Outcome.answered]
    known = [r.wait_s for r in before if r.wait_s is not None]
    wait = sum(known) if known else None
    talks = [r.talk_s for r in answered]
    record = group[0].with_(
        queue="",
        outcome=Outcome.answered if answered else group[-1].outcome,
        wait_s=wait,
        talk_s=None if not answered or None in talks else sum(t or 0 for t in talks),
        hold_s=sum(r.hold_s for r in answered),
        wrapup_s=sum(r.wrapup_s for r in answered),
        ended_at=group[-1].ended_at,
    )
    singles = [r.wait_s for r in group if r.wait_s is not None]
    longest = max([*singles, *([wait] if wait is not None else [])], default=None)
    return CallerCall(record, longest)


def pct(part: int, whole: int) -> float | None:
    """A percentage to two decimals; None of nothing."""
    return None if whole <= 0 else round(100.0 * part / whole, 2)


def _mean(total: int, n: int) -> float | None:
    return None if n <= 0 else round(total / n, 1)
