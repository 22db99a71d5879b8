"""Agents' time in a period from their queue membership events (docs/kpi-v1.md §12):
logged-in time, pause time by reason, and the figures made from them with the calls.

queue_log writes, per queue, ADDMEMBER (add), REMOVEMEMBER (remove), PAUSE with its reason
and UNPAUSE for each member. Each event gives the member's state in that queue until its
next event there: after add or unpause, logged in and available; after pause, logged in and
paused (for the reason); after remove, logged out. An agent is logged in while logged in to
any queue and paused while paused in any (the desk pauses all its queues at once).

This module is the reference, counted event by event; callcenter/calls/agent_time.py makes
the same figures in SQL and tests hold the two equal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

STATE_KINDS = ("add", "remove", "pause", "unpause")


@dataclass(frozen=True, slots=True)
class MemberEvent:
    at: float  # epoch seconds
    agent: str
    queue: str
    kind: str  # add | remove | pause | unpause | rna
    reason: str = ""  # of a pause
    ring_ms: int | None = None  # of a ring not answered


@dataclass(slots=True)
class AgentTime:
    logged_in_s: float = 0.0
    paused_s: float = 0.0
    paused_by_reason: dict[str, float] = field(default_factory=dict)
    ring_no_answer: int = 0


def _union(spans: list[tuple[float, float]]) -> float:
    total, reach = 0.0, float("-inf")
    for s, e in sorted(spans):
        if e <= reach:
            continue
        total += e - max(s, reach)
        reach = e
    return total


def time_in_states(
    events: Iterable[MemberEvent], *, start: float, stop: float, queue: str | None = None
) -> dict[str, AgentTime]:
    """Per agent, their time in [start, stop) (stop: the period's end, or now if sooner);
    `events` in the order they happened, from before `start` on (the state at the start);
    `queue`: that queue's membership only."""
    by_member: dict[tuple[str, str], list[MemberEvent]] = defaultdict(list)
    out: dict[str, AgentTime] = {}
    for ev in events:
        if queue is not None and ev.queue != queue:
            continue
        if ev.kind == "rna":
            if start <= ev.at < stop:
                out.setdefault(ev.agent, AgentTime()).ring_no_answer += 1
        elif ev.kind in STATE_KINDS and ev.at < stop:
            by_member[ev.agent, ev.queue].append(ev)
    login: dict[str, list[tuple[float, float]]] = defaultdict(list)
    paused: dict[tuple[str, str | None], list[tuple[float, float]]] = defaultdict(list)
    for (agent, _), evs in by_member.items():
        for ev, nxt in zip(evs, [*evs[1:], None], strict=True):
            s, e = max(ev.at, start), min(nxt.at if nxt else stop, stop)
            if e <= s or ev.kind == "remove":
                continue
            login[agent].append((s, e))
            if ev.kind == "pause":
                paused[agent, ev.reason].append((s, e))
                paused[agent, None].append((s, e))
    for agent, spans in login.items():
        out.setdefault(agent, AgentTime()).logged_in_s = _union(spans)
    for (agent, reason), spans in paused.items():
        t = out.setdefault(agent, AgentTime())
        if reason is None:
            t.paused_s = _union(spans)
        else:
            t.paused_by_reason[reason] = _union(spans)
    return out


def rates(
    t: AgentTime, *, answered: int, handle_s: float
) -> dict[str, float | int | dict[str, float] | None]:
    """An agent's time figures: occupancy is their handle time over the time they were
    logged in and not paused; calls per hour over the logged-in time."""
    available = t.logged_in_s - t.paused_s
    return {
        "logged_in_s": round(t.logged_in_s, 1),
        "paused_s": round(t.paused_s, 1),
        "paused_by_reason": {r: round(s, 1) for r, s in sorted(t.paused_by_reason.items())},
        "ring_no_answer": t.ring_no_answer,
        "occupancy_pct": round(100.0 * handle_s / available, 2) if available > 0 else None,
        "calls_per_hour": round(answered * 3600.0 / t.logged_in_s, 2) if t.logged_in_s else None,
    }
