"""Queue calls from join to their final CallRecord: outcome, wait, talk, hold and wrap-up."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from queue_metrics.agents import AgentStates, CallKey
from queue_metrics.changes import Change
from queue_metrics.config import MetricsConfig
from queue_metrics.events import (
    REFUSALS,
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
    QueueSnapshot,
    TalkEnded,
)
from queue_metrics.records import CallRecord, Outcome

# An abandon waits for its reason (QueueOutcome) or the caller's Hangup, both within
# milliseconds; one still open after this long lost its end in an AMI outage.
STALE_S = 60.0


@dataclass(slots=True)
class OpenCall:
    record: CallRecord
    state: str = "waiting"  # waiting | leaving (abandon reported, reason pending) | talking
    position: int = 0
    left_at: float | None = None
    reported_wait: int | None = None
    agent_iface: str = ""
    agent_channel_id: str = ""
    hold_since: float | None = None
    held_s: float = 0.0
    hung_up_at: float | None = None  # caller gone while talking; AgentComplete may follow


def _link(call: OpenCall, linkedid: str) -> None:
    """A call first seen in a QueueStatus reply learns its linkedid from a later event."""
    if linkedid and not call.record.linkedid:
        call.record = call.record.with_(linkedid=linkedid)


_RECORD_FIELDS = tuple(f.name for f in fields(CallRecord))


def record_dict(record: CallRecord) -> dict[str, Any]:
    """A CallRecord as JSON-ready data (outcome as its string value)."""
    # Not dataclasses.asdict: its deep copy is most of the engine's time per event.
    data = {name: getattr(record, name) for name in _RECORD_FIELDS}
    data["outcome"] = str(record.outcome) if record.outcome is not None else None
    return data


class CallBook:
    """Open queue calls keyed by (caller Uniqueid, queue); finished and unresolved records."""

    def __init__(self, *, agents: AgentStates, config: MetricsConfig) -> None:
        self._agents = agents
        self._config = config
        self.open: dict[CallKey, OpenCall] = {}
        self.finished: list[CallRecord] = []
        self.unresolved: list[CallRecord] = []
        self._channels: dict[str, set[CallKey]] = {}  # caller or agent-leg Uniqueid → calls

    # -- waiting --------------------------------------------------------------

    def joined(self, e: CallerJoined) -> list[Change]:
        key = (e.call_id, e.queue)
        known = self.open.get(key)
        if known is not None and known.state == "waiting":  # already seen by a resync
            _link(known, e.linkedid)
            known.record = known.record.with_(entered_at=e.entry_time)  # the join's is exact
            return []
        record = CallRecord(e.call_id, e.linkedid, e.queue, e.entry_time, caller=e.caller)
        return [self._open(OpenCall(record, position=e.position))]

    def rung(self, e: AgentRung) -> list[Change]:
        self._agents.rung(e.interface, (e.call_id, e.queue))
        return []

    def ring_no_answer(self, e: AgentRingNoAnswer) -> list[Change]:
        self._agents.unrung(e.interface, (e.call_id, e.queue))
        return []

    def abandon_reported(self, e: CallerAbandonReported) -> list[Change]:
        key = (e.call_id, e.queue)
        call = self.open.get(key)
        if call is None:  # joined while we were not listening
            call = OpenCall(CallRecord(e.call_id, e.linkedid, e.queue, e.ts - e.wait_s))
            self._open(call)
        call.state, call.left_at, call.reported_wait = "leaving", e.ts, e.wait_s
        _link(call, e.linkedid)
        self._agents.call_gone(key)
        return []

    def left_unanswered(self, e: CallerLeftUnanswered) -> list[Change]:
        call = self.open.get((e.call_id, e.queue))
        if call is None:
            if e.status not in REFUSALS:
                return []  # its join and abandon were both lost: nothing to count on
            refused = CallRecord(e.call_id, e.linkedid, e.queue, e.ts, wait_s=0, ended_at=e.ts)
            return [self._close(OpenCall(refused), e.outcome, e.ts)]
        if call.state == "talking":
            return []
        _link(call, e.linkedid)
        return [self._close(call, e.outcome, e.ts)]

    def hung_up(self, e: ChannelHungUp) -> list[Change]:
        """The caller's channel is gone: an abandon with no QueueOutcome was the caller's."""
        changes = []
        for key in list(self._channels.get(e.channel_id, ())):
            call = self.open[key]
            if call.record.call_id != e.channel_id:
                continue  # an agent leg: AgentComplete tells us about the call
            _link(call, e.linkedid)
            if call.state == "talking":
                call.hung_up_at = e.ts
                # The caller is gone, so the agent's leg is too: the agent is free now even
                # if AgentComplete (which closes the record and starts wrap-up) is late or lost.
                if call.agent_iface:
                    self._agents.caller_gone(call.agent_iface, key)
            else:
                changes.append(self._close(call, Outcome.abandoned, e.ts))
        return changes

    # -- talking --------------------------------------------------------------

    def answered(self, e: CallAnswered) -> list[Change]:
        key = (e.call_id, e.queue)
        call = self.open.get(key)
        if call is None:  # joined while we were not listening: entry time from its wait
            call = OpenCall(CallRecord(e.call_id, e.linkedid, e.queue, e.ts - e.wait_s))
            self._open(call)
        _link(call, e.linkedid)
        call.record = call.record.with_(
            outcome=Outcome.answered,
            wait_s=e.wait_s,
            answered_at=e.ts,
            agent=e.member,
        )
        call.state, call.agent_iface, call.agent_channel_id = (
            "talking",
            e.interface,
            e.agent_channel_id,
        )
        self._channels.setdefault(e.agent_channel_id, set()).add(key)
        self._agents.connected(e.interface, key)
        data = {"linkedid": e.linkedid, "agent": e.member, "wait_s": e.wait_s, "answered_at": e.ts}
        return [Change("call_answered", e.queue, e.call_id, data)]

    def talk_ended(self, e: TalkEnded) -> list[Change]:
        key = (e.call_id, e.queue)
        call = self.open.get(key)
        if call is None or call.state != "talking":
            call = self._talk_from_completion(e)
        if call.hold_since is not None:  # still on hold when the talk ended
            call.held_s += max(0.0, e.ts - call.hold_since)
        default = self._config.wrapup_for(e.queue)
        wrapup = self._agents.wrapup_s(e.queue, e.interface, default)
        self._agents.completed(e.interface, key, wrapup_until=e.ts + wrapup)
        call.record = call.record.with_(
            talk_s=e.talk_s,
            hold_s=round(call.held_s),
            wrapup_s=wrapup,
            ended_at=e.ts,
            ended_by=e.reason,
        )
        return [self._finish(key, call.record)]

    def transferred(self, e: CallTransferred) -> list[Change]:
        for call in self._talking(e.channel_ids):
            call.record = call.record.with_(transferred_to=e.target)
        return []

    def held(self, e: CallHeld) -> list[Change]:
        for call in self._talking((e.channel_id,)):
            if call.hold_since is None:
                call.hold_since = e.ts
        return []

    def unheld(self, e: CallUnheld) -> list[Change]:
        for call in self._talking((e.channel_id,)):
            if call.hold_since is not None:
                call.held_s += max(0.0, e.ts - call.hold_since)
                call.hold_since = None
        return []

    # -- resync -----------------------------------------------------------------

    def resync(self, snap: QueueSnapshot) -> list[Change]:
        """Waiting callers = the snapshot's QueueEntry rows; vanished ones are unresolved."""
        entries = {(row.call_id, row.queue): row for row in snap.entries}
        changes = []
        for key, call in list(self.open.items()):
            if call.record.queue in snap.queues and call.state == "waiting" and key not in entries:
                changes.append(self._unresolve(key))
        for key, row in entries.items():
            known = self.open.get(key)
            if known is not None:
                known.position = row.position
                continue
            record = CallRecord(row.call_id, "", row.queue, snap.ts - row.wait_s, caller=row.caller)
            changes.append(self._open(OpenCall(record, position=row.position)))
        return changes

    def expire(self, now: float) -> list[Change]:
        """Calls whose end can no longer arrive (lost in an outage) become unresolved."""
        changes = []
        for key, call in list(self.open.items()):
            since = call.left_at if call.state == "leaving" else call.hung_up_at
            if since is not None and now - since > STALE_S:
                changes.append(self._unresolve(key))
        return changes

    # -- helpers ----------------------------------------------------------------

    def _open(self, call: OpenCall) -> Change:
        r = call.record
        key = (r.call_id, r.queue)
        self.open[key] = call
        self._channels.setdefault(r.call_id, set()).add(key)
        data = {"linkedid": r.linkedid, "caller": r.caller, "position": call.position}
        return Change("call_waiting", r.queue, r.call_id, {**data, "entered_at": r.entered_at})

    def _close(self, call: OpenCall, outcome: Outcome, ts: float) -> Change:
        """Final figures of a call that left unanswered."""
        r = call.record
        # No HoldTime for a key exit: Asterisk's own is whole seconds of time(NULL).
        wait = call.reported_wait if call.reported_wait is not None else int(ts) - int(r.entered_at)
        record = r.with_(outcome=outcome, wait_s=wait, ended_at=call.left_at or ts)
        self._agents.call_gone((r.call_id, r.queue))
        return self._finish((r.call_id, r.queue), record)

    def _finish(self, key: CallKey, record: CallRecord) -> Change:
        self._forget(key)
        self.finished.append(record)
        return Change("call_finished", record.queue, record.call_id, record_dict(record))

    def _unresolve(self, key: CallKey) -> Change:
        call = self._forget(key)
        self.unresolved.append(call.record)
        self._agents.call_gone(key)
        if call.agent_iface:
            self._agents.completed(call.agent_iface, key, wrapup_until=0.0)
        return Change("call_unresolved", key[1], key[0], record_dict(call.record))

    def _forget(self, key: CallKey) -> OpenCall:
        call = self.open.pop(key, None) or OpenCall(CallRecord(key[0], "", key[1], 0.0))
        for channel in (key[0], call.agent_channel_id):
            keys = self._channels.get(channel)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._channels[channel]
        return call

    def _talking(self, channel_ids: tuple[str, ...]) -> list[OpenCall]:
        keys = {k for c in channel_ids for k in self._channels.get(c, ())}
        return [self.open[k] for k in keys if self.open[k].state == "talking"]

    def _talk_from_completion(self, e: TalkEnded) -> OpenCall:
        """A completion of a call answered while we were not listening: rebuilt from its times."""
        entered = e.ts - e.talk_s - e.wait_s
        record = CallRecord(
            e.call_id,
            e.linkedid,
            e.queue,
            entered,
            outcome=Outcome.answered,
            wait_s=e.wait_s,
            answered_at=e.ts - e.talk_s,
            agent=e.member,
        )
        call = OpenCall(record, state="talking", agent_iface=e.interface)
        self._open(call)
        return call
