"""Pure callback rules: which drops are owed, which numbers may be dialled, when to retry, KPIs."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from queue_metrics.kpi import is_short_abandon, pct

DROP_OUTCOMES = ("abandoned", "timeout", "no_agents", "key_exit")
WITHHELD = frozenset(
    {"", "anonymous", "unknown", "<unknown>", "private", "restricted", "withheld", "unavailable"}
)
# Q.850 hang-up causes of a network or equipment failure (not a party clearing the call):
# destination out of order, no circuit, network out of order, temporary failure, congestion,
# channel/resource unavailable, timer expiry, protocol error, interworking.
TECHNICAL_CAUSES = ("27", "34", "38", "41", "42", "44", "47", "102", "111", "127")
# Asterisk's Dial() status → the task's attempt outcome (docs/kpi-v1.md, "Callback KPIs").
DIAL_OUTCOMES = {
    "ANSWER": "reached",
    "NOANSWER": "no_answer",
    "BUSY": "busy",
    "CONGESTION": "invalid",
    "CHANUNAVAIL": "invalid",
    "CANCEL": "no_answer",  # the agent hung up before the caller answered
}


def is_drop(*, outcome: str | None, wait_s: int | None, short_abandon_s: int) -> bool:
    """A queue call that owes a callback (short abandons do not)."""
    if outcome not in DROP_OUTCOMES:
        return False
    return not is_short_abandon(outcome, wait_s, short_abandon_s=short_abandon_s)


def not_callable_reason(number: str, *, pattern: str) -> str | None:
    """`withheld`, `invalid`, or None when the number may be dialled."""
    if number.strip().lower() in WITHHELD:
        return "withheld"
    return None if re.fullmatch(pattern, number.strip()) else "invalid"


def parse_offsets(text: str) -> list[float]:
    """Retry offsets from the drop, e.g. "0,600,1200"; the first attempt is offset 0."""
    try:
        offsets = sorted(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(
            f"callback retry offsets must be seconds, e.g. 0,600,1200: {text!r}"
        ) from None
    if not offsets or any(o < 0 for o in offsets):
        raise ValueError(f"callback retry offsets must be >= 0: {text!r}")
    return offsets


def next_due(
    *,
    dropped_at: datetime,
    deadline_at: datetime,
    attempts: int,
    offsets: Sequence[float],
    now: datetime,
) -> datetime | None:
    """When attempt number `attempts + 1` is due, or None when the schedule or window is used up."""
    if attempts >= len(offsets):
        return None
    due = max(now, dropped_at + timedelta(seconds=offsets[attempts]))
    return due if due < deadline_at else None


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the callback KPIs read from one task."""

    callable: bool
    outcome: str | None
    dropped_at: datetime
    first_dial_at: datetime | None
    reached_at: datetime | None
    requested: bool = False  # the caller pressed 1 at the queue's offer (not a drop)


def _within(at: datetime | None, start: datetime, window_s: float) -> bool:
    return at is not None and (at - start).total_seconds() <= window_s


def _rank(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


def kpis(tasks: Iterable[TaskFacts], *, window_s: float, drops_joined: int) -> dict[str, Any]:
    """docs/kpi-v1.md "Callback KPIs" for the tasks whose (first) drop fell in the period.

    `drops_joined`: drops in the period that joined the caller's open task; they owe
    nothing more (the task belongs to its first drop's period) and are counted apart.
    """
    tasks = list(tasks)
    callable_ = [t for t in tasks if t.callable]
    cancelled = [t for t in callable_ if t.outcome == "cancelled_caller_reached"]
    # A supervisor's cancel does not remove the debt: those stay owed (and unreached).
    owed = [t for t in callable_ if t.outcome != "cancelled_caller_reached"]
    attempted = [t for t in owed if _within(t.first_dial_at, t.dropped_at, window_s)]
    reached = [t for t in owed if _within(t.reached_at, t.dropped_at, window_s)]
    firsts = [(t.first_dial_at - t.dropped_at).total_seconds() for t in owed if t.first_dial_at]
    return {
        "callbacks_owed": len(owed),
        "callbacks_attempted_30m": len(attempted),
        "callbacks_reached_30m": len(reached),
        "callback_attempt_pct": pct(len(attempted), len(owed)),
        "callback_reached_pct": pct(len(reached), len(owed)),
        "callback_first_attempt_p50_s": _rank(firsts, 50),
        "callback_first_attempt_p90_s": _rank(firsts, 90),
        "callbacks_not_callable": len(tasks) - len(callable_),
        "callbacks_cancelled_caller_reached": len(cancelled),
        "callbacks_cancelled_by_supervisor": sum(1 for t in owed if t.outcome == "cancelled"),
        "callback_drops_joined": drops_joined,
        "callbacks_requested": sum(1 for t in tasks if t.requested),
        "callbacks_from_drops": sum(1 for t in tasks if not t.requested),
    }
