"""Independent recount of the kpi-v1.1 headline KPIs (docs/kpi-v1.md) from queue_log entries only.

This is the cross-check of the live engine in `queue_metrics`: it shares no KPI code
with it (only the CallRecord/Outcome types). What queue_log cannot say:
- hold: queue_log has no hold events; AHT needs none (talk time includes hold), and
  avg_hold_s, known from AMI only, is not recounted;
- wrap-up: not logged either; the queue's configured wrapuptime
  (`wrapup_s_by_queue`) is charged to every answered call of that queue;
- Linkedid: not logged; the callid (caller channel Uniqueid) stands in for it. A
  caller moved to another queue (blind transfer, AMI Redirect) keeps the same callid,
  so the centre figure counts it once (see `centre_calls`);
- joinempty refusals write no line at all unless the dialplan logs one (see REFUSALS).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from callcenter.reconcile.queue_log import (
    AttendedTransfer,
    CallEnd,
    Connect,
    EnterQueue,
    Exit,
    QueueLogEntry,
    Transfer,
)
from queue_metrics.records import DEFINITION, CallRecord, Outcome

SL_THRESHOLD_S = 15
SHORT_ABANDON_S = 5

EXIT_OUTCOMES = {
    "ABANDON": Outcome.abandoned,
    "EXITWITHTIMEOUT": Outcome.timeout,
    "EXITEMPTY": Outcome.no_agents,
    "EXITWITHKEY": Outcome.key_exit,
    "WITHDRAW": Outcome.withdrawn,
}
# Asterisk writes no line when Queue() refuses a caller (joinempty); a dialplan that logs
# the refusal with QueueLog(queue,${UNIQUEID},NONE,JOINEMPTY) gets it counted as no_agents.
ENDED_BY = {"COMPLETECALLER": "caller", "COMPLETEAGENT": "agent"}  # else a transfer
REFUSALS = frozenset({"JOINEMPTY", "JOINUNAVAIL"})
KpiValue = int | float | str | None


class Builder:
    """Folds entries into one CallRecord per (callid, queue) entry, in file order.

    Incremental: entries can be added as the file grows (the reconciler's tailer).
    """

    def __init__(self, wrapup_s_by_queue: Mapping[str, int]) -> None:
        self.records: list[CallRecord] = []
        self._current: dict[tuple[str, str], int] = {}
        self._wrapup = wrapup_s_by_queue

    def add(self, entry: QueueLogEntry) -> None:
        if isinstance(entry, EnterQueue):
            self._new(entry, entry.at, caller=entry.caller)
        elif isinstance(entry, Connect):
            self._answer(entry, wait_s=entry.holdtime, at=entry.at)
        elif isinstance(entry, CallEnd):
            self._end(entry)
        elif isinstance(entry, Exit) and entry.verb in EXIT_OUTCOMES:
            self._exit(entry)
        elif entry.verb in REFUSALS:
            i = self._new(entry, entry.at)
            self.records[i] = self.records[i].with_(
                outcome=Outcome.no_agents, wait_s=0, ended_at=entry.at
            )

    def forget_ended_before(self, when: float) -> None:
        """Drop the calls that ended before `when` (open ones stay, still indexed)."""
        keep = [i for i, r in enumerate(self.records) if r.ended_at is None or r.ended_at >= when]
        moved = {old: new for new, old in enumerate(keep)}
        self.records = [self.records[i] for i in keep]
        self._current = {key: moved[i] for key, i in self._current.items() if i in moved}

    def _new(self, entry: QueueLogEntry, entered_at: float, *, caller: str = "") -> int:
        record = CallRecord(entry.callid, entry.callid, entry.queue, entered_at, caller=caller)
        self.records.append(record)
        self._current[(entry.callid, entry.queue)] = len(self.records) - 1
        return len(self.records) - 1

    def _index(self, entry: QueueLogEntry, entered_at: float) -> int:
        """The caller's latest entry into this queue; made up if its ENTERQUEUE was not read."""
        found = self._current.get((entry.callid, entry.queue))
        return self._new(entry, entered_at) if found is None else found

    def _answer(self, entry: QueueLogEntry, *, wait_s: int, at: float) -> int:
        i = self._index(entry, at - wait_s)
        if self.records[i].outcome is None:
            self.records[i] = self.records[i].with_(
                outcome=Outcome.answered,
                wait_s=wait_s,
                agent=entry.agent,
                answered_at=at,
                wrapup_s=self._wrapup.get(entry.queue, 0),
            )
        return i

    def _end(self, entry: CallEnd) -> None:
        i = self._answer(entry, wait_s=entry.holdtime, at=entry.at - entry.calltime)
        self.records[i] = self.records[i].with_(
            talk_s=entry.calltime,
            ended_at=entry.at,
            transferred_to=_target(entry),
            ended_by=ENDED_BY.get(entry.verb, "transfer"),
        )

    def _exit(self, entry: Exit) -> None:
        i = self._index(entry, entry.at - entry.waittime)
        # First exit wins: Asterisk can log ABANDON twice for a caller who hung up
        # just as an agent answered (try_calling, then queue_exec).
        if self.records[i].outcome is None:
            self.records[i] = self.records[i].with_(
                outcome=EXIT_OUTCOMES[entry.verb], wait_s=entry.waittime, ended_at=entry.at
            )


def _target(entry: CallEnd) -> str | None:
    if isinstance(entry, Transfer):
        return f"{entry.extension}@{entry.context}"
    if isinstance(entry, AttendedTransfer):
        return f"{entry.method}:{entry.target}"
    return None


def to_records(
    entries: Iterable[QueueLogEntry], *, wrapup_s_by_queue: Mapping[str, int] | None = None
) -> list[CallRecord]:
    """One CallRecord per queue entry (linkedid = callid, hold 0, wrap-up from config)."""
    builder = Builder(wrapup_s_by_queue or {})
    for entry in entries:
        builder.add(entry)
    return builder.records


@dataclass(frozen=True, slots=True)
class CountedCall:
    """What the formulas need of one counted call (a queue entry or a caller's whole call)."""

    entered_at: float
    outcome: Outcome | None
    wait_s: int | None
    talk_s: int | None = None
    handle_s: int | None = None


def _queue_call(r: CallRecord) -> CountedCall:
    handle = None if r.talk_s is None else r.talk_s + r.wrapup_s  # hold is inside talk
    return CountedCall(r.entered_at, r.outcome, r.wait_s, r.talk_s, handle)


def centre_call(legs: Sequence[CallRecord]) -> CountedCall:
    """One caller's queue entries (time order) counted once.

    Answered if any entry was answered; its wait is the sum of Asterisk's waits up to
    and including the first answered entry, its talk and handle time the sums over all
    answered entries. Otherwise the last entry's outcome, with all waits summed.
    """
    answered = [r for r in legs if r.outcome == Outcome.answered]
    if not answered:
        last = legs[-1]
        waits = [r.wait_s for r in legs]
        total = None if last.outcome is None else sum(w or 0 for w in waits)
        return CountedCall(legs[0].entered_at, last.outcome, total)
    upto = legs[: legs.index(answered[0]) + 1]
    wait = sum(r.wait_s or 0 for r in upto)
    if any(r.talk_s is None for r in answered):
        return CountedCall(legs[0].entered_at, Outcome.answered, wait)
    talk = sum(r.talk_s or 0 for r in answered)
    handle = talk + sum(r.wrapup_s for r in answered)
    return CountedCall(legs[0].entered_at, Outcome.answered, wait, talk, handle)


def centre_calls(records: Iterable[CallRecord]) -> list[CountedCall]:
    """Group queue entries by callid (our Linkedid) into callers' calls."""
    by_caller: dict[str, list[CallRecord]] = defaultdict(list)
    for record in records:
        by_caller[record.linkedid].append(record)
    return [centre_call(sorted(legs, key=lambda r: r.entered_at)) for legs in by_caller.values()]


def _pct(part: int, whole: int) -> float | None:
    return None if whole <= 0 else part * 100.0 / whole


def _mean(values: Sequence[int]) -> float | None:
    return None if not values else sum(values) / len(values)


def kpis(
    calls: Sequence[CountedCall], *, sl_threshold_s: int, short_abandon_s: int
) -> dict[str, KpiValue]:
    """The docs/kpi-v1.md headline fields (but avg_hold_s) of these calls; null for empty ones."""
    count = Counter(c.outcome for c in calls)
    answered = [c for c in calls if c.outcome == Outcome.answered]
    short = sum(
        1
        for c in calls
        if c.outcome == Outcome.abandoned and c.wait_s is not None and c.wait_s <= short_abandon_s
    )
    within = sum(1 for c in answered if c.wait_s is not None and c.wait_s <= sl_threshold_s)
    base = len(calls) - short - count[Outcome.withdrawn]
    waits = [c.wait_s for c in calls if c.wait_s is not None]
    talked = [c for c in answered if c.talk_s is not None and c.handle_s is not None]
    return {
        "offered": len(calls),
        "answered": len(answered),
        "abandoned": count[Outcome.abandoned],
        "short_abandoned": short,
        "timeout": count[Outcome.timeout],
        "no_agents": count[Outcome.no_agents],
        "key_exit": count[Outcome.key_exit],
        "withdrawn": count[Outcome.withdrawn],
        "answered_within_sl": within,
        "sl_pct": _pct(within, base),
        "answer_rate_pct": _pct(len(answered), base),
        "abandon_rate_pct": _pct(base - len(answered), base),
        "sl_asterisk_pct": _pct(within, len(answered)),
        "asa_s": _mean([c.wait_s for c in answered if c.wait_s is not None]),
        "max_wait_s": float(max(waits)) if waits else None,
        "aht_s": _mean([c.handle_s for c in talked if c.handle_s is not None]),
        "avg_talk_s": _mean([c.talk_s for c in talked if c.talk_s is not None]),
        "definition": DEFINITION,
    }


@dataclass(frozen=True, slots=True)
class Figures:
    """Headline KPIs of one queue (or the centre) plus calls still waiting (`open`)."""

    kpis: dict[str, KpiValue]
    open: int

    def as_dict(self) -> dict[str, KpiValue]:
        return {**self.kpis, "open": self.open}


@dataclass(frozen=True, slots=True)
class Recount:
    """Recounted figures for calls that entered a queue in [start, end)."""

    start: float
    end: float
    queues: dict[str, Figures]
    centre: Figures
    definition: str = DEFINITION

    def as_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            "from": self.start,
            "to": self.end,
            "queues": {name: f.as_dict() for name, f in sorted(self.queues.items())},
            "centre": self.centre.as_dict(),
        }


def _figures(calls: Sequence[CountedCall], **params: Any) -> Figures:
    """A call counts once its outcome is known, as in the live figures; waiting ones are `open`."""
    done = [c for c in calls if c.outcome is not None]
    return Figures(kpis(done, **params), len(calls) - len(done))


def recount(
    entries: Iterable[QueueLogEntry],
    *,
    start: float,
    end: float,
    sl_threshold_s: int = SL_THRESHOLD_S,
    short_abandon_s: int = SHORT_ABANDON_S,
    wrapup_s_by_queue: Mapping[str, int] | None = None,
    queues: Iterable[str] = (),
) -> Recount:
    """kpi-v1.1 per queue and for the centre, for calls whose (first) ENTERQUEUE is in [start, end).

    Pass every entry up to now (not only those in the period): a call's end and a
    caller's later queues come after its entry. `queues` lists queues to report even
    when empty.
    """
    records = to_records(entries, wrapup_s_by_queue=wrapup_s_by_queue)
    params = {"sl_threshold_s": sl_threshold_s, "short_abandon_s": short_abandon_s}
    by_queue: dict[str, list[CountedCall]] = {name: [] for name in queues}
    for record in records:
        if start <= record.entered_at < end:
            by_queue.setdefault(record.queue, []).append(_queue_call(record))
    centre = [c for c in centre_calls(records) if start <= c.entered_at < end]
    return Recount(
        start=start,
        end=end,
        queues={name: _figures(calls, **params) for name, calls in by_queue.items()},
        centre=_figures(centre, **params),
    )
