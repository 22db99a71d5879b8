"""AMI header dicts → queue_metrics domain events: one pure function per AMI event name.

`translate()` looks the event name up in `TABLE`; unknown (or malformed) events give an
empty list. Kept cheap on purpose (the consumer must keep up with ~100k events/s): plain
dict lookups and int/float parses, one dataclass per event, no regexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from queue_metrics.events import (
    STATUS_OUTCOME,
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
    SnapshotEntry,
    SnapshotMember,
    TalkEnded,
)

Headers = Mapping[str, str]
Handler = Callable[[Headers], list[DomainEvent]]

# Returned for every skipped event instead of a new empty list: callers must not mutate it.
NOTHING: list[DomainEvent] = []


def _ts(h: Headers) -> float:
    return float(h["Timestamp"])


def _int(h: Headers, name: str) -> int:
    return int(h.get(name) or 0)


# How far before the manager's Timestamp a caller's own entry time may lie: the manager writes
# an event when its stasis queue gets to it, seconds after the call when Asterisk is busy.
ENTRY_LAG_MAX_S = 600.0
# Where one joined channel variable ends and the next NAME= begins.
_JOINED_VARS = re.compile(r",(?=[A-Za-z_][A-Za-z0-9_]*=)")


def _chan_var(h: Headers, name: str) -> str | None:
    """A `ChanVariable: NAME=value` header (manager.conf channelvars); one or several. With
    several, the AMI client joins them with commas (`CC_ENTERED=1.5,CC_LANG=en`)."""
    raw: object = h.get("ChanVariable")
    values = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
    prefix = f"{name}="
    for value in values:
        if not isinstance(value, str):
            continue
        for part in _JOINED_VARS.split(value):
            if part.startswith(prefix):
                return part[len(prefix) :]
    return None


def chan_var(h: Headers, name: str) -> str | None:
    """A channel variable of the event's channel (manager.conf channelvars), or None."""
    return _chan_var(h, name)


def entered_at(h: Headers) -> float | None:
    """When the caller entered the queue: CC_ENTERED, set by the dialplan in the call's own
    thread just before Queue(), if present and plausible (not after the event, not more than
    ENTRY_LAG_MAX_S before it); else None."""
    ts = _ts(h)
    try:
        entered = float(_chan_var(h, "CC_ENTERED") or "nan")
    except ValueError:
        return None
    return entered if ts - ENTRY_LAG_MAX_S <= entered <= ts + 1.0 else None


def caller_joined(h: Headers) -> list[DomainEvent]:
    return [
        CallerJoined(
            _ts(h),
            h["Uniqueid"],
            h["Linkedid"],
            h["Queue"],
            h.get("CallerIDNum", ""),
            _int(h, "Position"),
            entered_at(h),
        )
    ]


def agent_called(h: Headers) -> list[DomainEvent]:
    return [AgentRung(_ts(h), h["Uniqueid"], h["Queue"], h["Interface"], h.get("MemberName", ""))]


def agent_ring_no_answer(h: Headers) -> list[DomainEvent]:
    return [
        AgentRingNoAnswer(
            _ts(h),
            h["Uniqueid"],
            h["Queue"],
            h["Interface"],
            h.get("MemberName", ""),
            _int(h, "RingTime"),
        )
    ]


def agent_connect(h: Headers) -> list[DomainEvent]:
    return [
        CallAnswered(
            _ts(h),
            h["Uniqueid"],
            h["Linkedid"],
            h["Queue"],
            h["Interface"],
            h.get("MemberName", ""),
            h.get("DestUniqueid", ""),
            _int(h, "HoldTime"),
            _int(h, "RingTime"),
        )
    ]


def agent_complete(h: Headers) -> list[DomainEvent]:
    return [
        TalkEnded(
            _ts(h),
            h["Uniqueid"],
            h["Linkedid"],
            h["Queue"],
            h["Interface"],
            h.get("MemberName", ""),
            _int(h, "HoldTime"),
            _int(h, "TalkTime"),
            h.get("Reason", ""),
        )
    ]


def caller_abandon(h: Headers) -> list[DomainEvent]:
    return [
        CallerAbandonReported(
            _ts(h),
            h["Uniqueid"],
            h["Linkedid"],
            h["Queue"],
            _int(h, "HoldTime"),
            _int(h, "Position"),
        )
    ]


def user_event(h: Headers) -> list[DomainEvent]:
    """Only the dialplan's `QueueOutcome` (extensions.conf, queue-entry and queue-exit)."""
    if h.get("UserEvent") != "QueueOutcome":
        return NOTHING
    status = h.get("Status", "")
    outcome = STATUS_OUTCOME.get(status)
    if outcome is None:
        return NOTHING
    return [
        CallerLeftUnanswered(
            _ts(h), h["Uniqueid"], h["Linkedid"], h["Queue"], outcome, status, h.get("Key", "")
        )
    ]


def hangup(h: Headers) -> list[DomainEvent]:
    return [ChannelHungUp(_ts(h), h["Uniqueid"], h.get("Linkedid", ""))]


def blind_transfer(h: Headers) -> list[DomainEvent]:
    if h.get("Result") != "Success":
        return NOTHING
    ids = (h.get("TransfererUniqueid", ""), h.get("TransfereeUniqueid", ""))
    target = f"{h.get('Extension', '')}@{h.get('Context', '')}"
    return [CallTransferred(_ts(h), h.get("TransfereeLinkedid", ""), ids, target)]


def attended_transfer(h: Headers) -> list[DomainEvent]:
    if h.get("Result") != "Success":
        return NOTHING
    ids = (
        h.get("OrigTransfererUniqueid", ""),
        h.get("SecondTransfererUniqueid", ""),
        h.get("TransfereeUniqueid", ""),
        h.get("TransferTargetUniqueid", ""),
    )
    target = h.get("TransferTargetChannel") or h.get("DestApp") or h.get("DestType", "")
    return [CallTransferred(_ts(h), h.get("OrigTransfererLinkedid", ""), ids, target)]


def hold(h: Headers) -> list[DomainEvent]:
    return [CallHeld(_ts(h), h["Uniqueid"], h.get("Linkedid", ""))]


def unhold(h: Headers) -> list[DomainEvent]:
    return [CallUnheld(_ts(h), h["Uniqueid"], h.get("Linkedid", ""))]


def member_added(h: Headers) -> list[DomainEvent]:
    return [
        MemberAdded(
            _ts(h),
            h["Queue"],
            h["Interface"],
            h.get("MemberName", ""),
            _int(h, "Status"),
            h.get("Paused") == "1",
            h.get("PausedReason", ""),
            _int(h, "Wrapuptime"),
        )
    ]


def member_removed(h: Headers) -> list[DomainEvent]:
    return [MemberRemoved(_ts(h), h["Queue"], h["Interface"], h.get("MemberName", ""))]


def member_pause(h: Headers) -> list[DomainEvent]:
    return [
        MemberPaused(
            _ts(h),
            h["Queue"],
            h["Interface"],
            h.get("MemberName", ""),
            h.get("Paused") == "1",
            h.get("PausedReason", ""),
        )
    ]


def member_status(h: Headers) -> list[DomainEvent]:
    return [
        MemberStatus(
            _ts(h),
            h["Queue"],
            h["Interface"],
            h.get("MemberName", ""),
            _int(h, "Status"),
            h.get("Paused") == "1",
            h.get("PausedReason", ""),
        )
    ]


TABLE: Mapping[str, Handler] = {
    "QueueCallerJoin": caller_joined,
    "AgentCalled": agent_called,
    "AgentRingNoAnswer": agent_ring_no_answer,
    "AgentConnect": agent_connect,
    "AgentComplete": agent_complete,
    "QueueCallerAbandon": caller_abandon,
    "UserEvent": user_event,
    "Hangup": hangup,
    "BlindTransfer": blind_transfer,
    "AttendedTransfer": attended_transfer,
    "Hold": hold,
    "Unhold": unhold,
    "QueueMemberAdded": member_added,
    "QueueMemberRemoved": member_removed,
    "QueueMemberPause": member_pause,
    "QueueMemberStatus": member_status,
}


def translate(headers: Headers) -> list[DomainEvent]:
    """Domain events of one AMI event; [] (the shared NOTHING) when it is not ours or malformed."""
    handler = TABLE.get(headers.get("Event", ""))
    if handler is None:
        return NOTHING
    try:
        return handler(headers)
    except (KeyError, ValueError):
        # A header missing or not a number: skip the event rather than stop the consumer.
        return NOTHING


def queue_status_snapshot(messages: Iterable[Headers], *, ts: float) -> QueueSnapshot:
    """One QueueSnapshot from a QueueStatus reply; `ts` = when it was received (no Timestamp)."""
    queues: list[str] = []
    members: list[SnapshotMember] = []
    entries: list[SnapshotEntry] = []
    for h in messages:
        event = h.get("Event")
        if event == "QueueParams":
            queues.append(h["Queue"])
        elif event == "QueueMember":
            members.append(_snapshot_member(h))
        elif event == "QueueEntry":
            entries.append(
                SnapshotEntry(
                    h["Queue"],
                    h["Uniqueid"],
                    h.get("CallerIDNum", ""),
                    _int(h, "Position"),
                    _int(h, "Wait"),
                )
            )
    return QueueSnapshot(ts, tuple(queues), tuple(members), tuple(entries))


def _snapshot_member(h: Headers) -> SnapshotMember:
    return SnapshotMember(
        h["Queue"],
        h.get("Location") or h.get("StateInterface", ""),
        h.get("Name", ""),
        _int(h, "Status"),
        h.get("Paused") == "1",
        h.get("PausedReason", ""),
        _int(h, "Wrapuptime"),
        float(h.get("LastCall") or 0),
    )
