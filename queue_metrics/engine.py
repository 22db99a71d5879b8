"""The live reducer: domain events in arrival order → queue calls, agent states, changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from queue_metrics.agents import STATES, AgentStates
from queue_metrics.calls import CallBook, OpenCall
from queue_metrics.changes import Change
from queue_metrics.config import MetricsConfig
from queue_metrics.events import (
    AgentRingNoAnswer,
    AgentRung,
    CallAnswered,
    CallerAbandonReported,
    CallerJoined,
    CallerLeftUnanswered,
    CallHeld,
    CallTransferred,
    CallUnheld,
    ChannelHungUp,
    DomainEvent,
    MemberAdded,
    MemberPaused,
    MemberRemoved,
    MemberStatus,
    QueueSnapshot,
    TalkEnded,
)
from queue_metrics.records import DEFINITION, CallRecord

NO_CHANGES: list[Change] = []  # shared result for events that change nothing; do not mutate


class MetricsEngine:
    """One centre's live state. `apply()` every event in order; `snapshot()` whenever asked.

    Time only comes from the events (`ts`) or an explicit `now`: no clock is read here.
    """

    def __init__(self, *, config: MetricsConfig | None = None) -> None:
        self.config = config or MetricsConfig()
        self.agents = AgentStates()
        self.calls = CallBook(agents=self.agents, config=self.config)
        self._queues: set[str] = set(self.config.queues)
        c, a = self.calls, self.agents
        self._handlers: dict[type, Callable[[Any], list[Change]]] = {
            CallerJoined: c.joined,
            AgentRung: c.rung,
            AgentRingNoAnswer: c.ring_no_answer,
            CallAnswered: c.answered,
            TalkEnded: c.talk_ended,
            CallerAbandonReported: c.abandon_reported,
            CallerLeftUnanswered: c.left_unanswered,
            ChannelHungUp: c.hung_up,
            CallTransferred: c.transferred,
            CallHeld: c.held,
            CallUnheld: c.unheld,
            MemberAdded: _quiet(a.added),
            MemberRemoved: _quiet(a.removed),
            MemberPaused: _quiet(a.paused),
            MemberStatus: _quiet(a.status),
            QueueSnapshot: self._resync,
        }

    # -- input --------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> list[Change]:
        """Apply one event; the changes the wallboard must see (often none)."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return NO_CHANGES
        queue = getattr(event, "queue", None)
        if queue is not None and queue not in self._queues:
            self._queues.add(queue)
        changes = handler(event)
        agent_changes = self.agents.flush(event.ts)
        if agent_changes:
            return [*changes, *agent_changes]
        return changes or NO_CHANGES

    def tick(self, now: float) -> list[Change]:
        """Time-driven changes: wrap-ups that ran out, calls whose end was lost."""
        self.agents.wrapping_up(now)
        return [*self.calls.expire(now), *self.agents.flush(now)]

    def _resync(self, snap: QueueSnapshot) -> list[Change]:
        """Rebuild live state from QueueStatus; finished records stay exactly as they were."""
        self._queues.update(snap.queues)
        changes = self.calls.resync(snap)
        self.agents.resync(snap, self.config.wrapup_for)
        return [*changes, Change("resynced", None, "")]

    # -- output -------------------------------------------------------------------

    @property
    def finished(self) -> list[CallRecord]:
        """Queue calls with their final figures, in the order they finished."""
        return self.calls.finished

    @property
    def unresolved(self) -> list[CallRecord]:
        """Calls whose end was lost in an AMI outage: to be completed from queue_log."""
        return self.calls.unresolved

    def take_records(self, changes: list[Change]) -> list[CallRecord]:
        """Records to store for `changes`: calls just answered, then every call finished since
        the last take (handed over once). Lost calls are dropped: queue_log completes them."""
        answered = [
            self.calls.open[(c.key, c.queue)].record
            for c in changes
            if c.kind == "call_answered" and c.queue and (c.key, c.queue) in self.calls.open
        ]
        finished, self.calls.finished = self.calls.finished, []
        self.calls.unresolved.clear()
        return [*answered, *finished]

    def records(self) -> list[CallRecord]:
        """Finished records plus calls in talk (answered, talk not over) for live KPIs."""
        talking = [c.record for c in self.calls.open.values() if c.state == "talking"]
        return [*self.calls.finished, *talking]

    def snapshot(self, now: float) -> dict[str, Any]:
        """Live state per queue and for the centre at `now` (JSON-ready)."""
        queues = {q: self._queue_view(q, now) for q in sorted(self._queues)}
        return {"definition": DEFINITION, "at": now, "queues": queues, "centre": self._centre(now)}

    def _queue_view(self, queue: str, now: float) -> dict[str, Any]:
        calls = [c for c in self.calls.open.values() if c.record.queue == queue]
        waiting = sorted(
            (c for c in calls if c.state == "waiting"),
            key=lambda c: (c.position, c.record.entered_at),
        )
        agents = [
            _agent_row(i, self.agents.member_name(i), self.agents.state(queue, i, now))
            for i in sorted(self.agents.seen_in(queue))
        ]
        return {
            **_call_counts(waiting, sum(1 for c in calls if c.state == "talking"), now),
            "waiting": [_waiting_row(c, now) for c in waiting],
            "agents": agents,
            **_agent_counts(agents),
        }

    def _centre(self, now: float) -> dict[str, Any]:
        """Each caller once (by linkedid), each agent once (its most engaged state)."""
        waiting = _one_per_caller(c for c in self.calls.open.values() if c.state == "waiting")
        talking = _one_per_caller(c for c in self.calls.open.values() if c.state == "talking")
        agents = [
            _agent_row(i, self.agents.member_name(i), self.agents.centre_state(i, now))
            for i in sorted(self.agents.seen())
        ]
        return {**_call_counts(waiting, len(talking), now), **_agent_counts(agents)}


def _quiet(apply: Callable[[Any], None]) -> Callable[[Any], list[Change]]:
    """An agent-state update whose changes come out of `AgentStates.flush`."""

    def run(event: Any) -> list[Change]:
        apply(event)
        return NO_CHANGES

    return run


def _one_per_caller(calls: Iterable[OpenCall]) -> list[OpenCall]:
    by_caller: dict[str, OpenCall] = {}
    for call in calls:
        key = call.record.linkedid or call.record.call_id
        known = by_caller.get(key)
        if known is None or call.record.entered_at < known.record.entered_at:
            by_caller[key] = call
    return list(by_caller.values())


def _call_counts(waiting: list[OpenCall], talking: int, now: float) -> dict[str, Any]:
    longest = max((now - c.record.entered_at for c in waiting), default=None)
    return {
        "calls_waiting": len(waiting),
        "longest_wait_s": None if longest is None else round(longest, 1),
        # The clock the board's longest wait runs from between pushes (queues and centre).
        "oldest_entered_at": min((c.record.entered_at for c in waiting), default=None),
        "calls_talking": talking,
    }


def _waiting_row(call: OpenCall, now: float) -> dict[str, Any]:
    r = call.record
    return {
        "call_id": r.call_id,
        "linkedid": r.linkedid,
        "caller": r.caller,
        "position": call.position,
        "entered_at": r.entered_at,
        "wait_s": round(now - r.entered_at, 1),
    }


def _agent_row(interface: str, member: str, state: tuple[str, str]) -> dict[str, str]:
    return {"interface": interface, "member": member, "state": state[0], "reason": state[1]}


def _agent_counts(agents: list[dict[str, str]]) -> dict[str, Any]:
    by_state = dict.fromkeys(STATES, 0)
    by_state.update(Counter(a["state"] for a in agents))
    reasons = Counter(a["reason"] or "-" for a in agents if a["state"] == "paused")
    return {"agents_by_state": by_state, "paused_reasons": dict(sorted(reasons.items()))}
