"""Domain events of queue calls and agents; `ts` is epoch seconds from the AMI `Timestamp`.

`call_id` is always the Uniqueid of the caller's channel inside the queue (queue_log's
callid). Waits and talk times are Asterisk's own whole seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from queue_metrics.records import Outcome

# The dialplan's QueueOutcome UserEvent carries QUEUESTATUS after Queue() returns, or
# EXITWITHKEY from the queue's exit context. A refusal (JOIN*, FULL) is a caller no member
# could take: docs/kpi-v1.md counts joinempty refusals as no_agents; FULL is treated alike.
# CONTINUE follows an answered call and changes nothing.
STATUS_OUTCOME: dict[str, Outcome] = {
    "TIMEOUT": Outcome.timeout,
    "LEAVEEMPTY": Outcome.no_agents,
    "LEAVEUNAVAIL": Outcome.no_agents,
    "JOINEMPTY": Outcome.no_agents,
    "JOINUNAVAIL": Outcome.no_agents,
    "FULL": Outcome.no_agents,
    "WITHDRAW": Outcome.withdrawn,
    "EXITWITHKEY": Outcome.key_exit,
}
REFUSALS = frozenset({"JOINEMPTY", "JOINUNAVAIL", "FULL"})


@dataclass(frozen=True, slots=True)
class CallerJoined:
    """QueueCallerJoin: a queue call starts (queue_log ENTERQUEUE)."""

    ts: float
    call_id: str
    linkedid: str
    queue: str
    caller: str
    position: int
    # When the caller entered the queue, taken in the call's own thread (the dialplan's
    # CC_ENTERED); `ts` is when the manager wrote the event, seconds later when Asterisk is
    # busy. None: the event's time is the best known.
    entered_at: float | None = None

    @property
    def entry_time(self) -> float:
        return self.ts if self.entered_at is None else self.entered_at


@dataclass(frozen=True, slots=True)
class AgentRung:
    """AgentCalled: one member's phone starts ringing for a waiting caller."""

    ts: float
    call_id: str
    queue: str
    interface: str
    member: str


@dataclass(frozen=True, slots=True)
class AgentRingNoAnswer:
    """AgentRingNoAnswer: the member did not answer in time (queue_log RINGNOANSWER)."""

    ts: float
    call_id: str
    queue: str
    interface: str
    member: str
    ring_ms: int


@dataclass(frozen=True, slots=True)
class CallAnswered:
    """AgentConnect (queue_log CONNECT); `wait_s` is its HoldTime."""

    ts: float
    call_id: str
    linkedid: str
    queue: str
    interface: str
    member: str
    agent_channel_id: str
    wait_s: int
    ring_s: int


@dataclass(frozen=True, slots=True)
class TalkEnded:
    """AgentComplete (COMPLETEAGENT / COMPLETECALLER / *TRANSFER); reason caller|agent|transfer."""

    ts: float
    call_id: str
    linkedid: str
    queue: str
    interface: str
    member: str
    wait_s: int
    talk_s: int
    reason: str


@dataclass(frozen=True, slots=True)
class CallerAbandonReported:
    """QueueCallerAbandon: the caller left unanswered; why is not known yet (docs/kpi-v1.md)."""

    ts: float
    call_id: str
    linkedid: str
    queue: str
    wait_s: int
    position: int


@dataclass(frozen=True, slots=True)
class CallerLeftUnanswered:
    """UserEvent QueueOutcome from the dialplan: QUEUESTATUS (or EXITWITHKEY) after Queue()."""

    ts: float
    call_id: str
    linkedid: str
    queue: str
    outcome: Outcome
    status: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class ChannelHungUp:
    """Hangup of any channel; closes a caller whose abandon was reported without a reason."""

    ts: float
    channel_id: str
    linkedid: str


@dataclass(frozen=True, slots=True)
class CallTransferred:
    """BlindTransfer / AttendedTransfer touching the channels `channel_ids`."""

    ts: float
    linkedid: str
    channel_ids: tuple[str, ...]
    target: str


@dataclass(frozen=True, slots=True)
class CallHeld:
    """Hold on a channel (caller or agent leg) of a call in talk."""

    ts: float
    channel_id: str
    linkedid: str


@dataclass(frozen=True, slots=True)
class CallUnheld:
    """Unhold on a channel; an Unhold without a Hold (blind transfers send one) is ignored."""

    ts: float
    channel_id: str
    linkedid: str


@dataclass(frozen=True, slots=True)
class MemberAdded:
    """QueueMemberAdded: an agent logged in to a queue."""

    ts: float
    queue: str
    interface: str
    member: str
    status: int  # Asterisk device state (AST_DEVICE_*)
    paused: bool
    reason: str
    wrapup_s: int  # the member's own wrapuptime, 0 = the queue's


@dataclass(frozen=True, slots=True)
class MemberRemoved:
    """QueueMemberRemoved: the agent logged out of the queue."""

    ts: float
    queue: str
    interface: str
    member: str


@dataclass(frozen=True, slots=True)
class MemberPaused:
    """QueueMemberPause: paused (with the reason code) or unpaused."""

    ts: float
    queue: str
    interface: str
    member: str
    paused: bool
    reason: str


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """QueueMemberStatus: the member's device state changed."""

    ts: float
    queue: str
    interface: str
    member: str
    status: int
    paused: bool
    reason: str


@dataclass(frozen=True, slots=True)
class SnapshotMember:
    """One QueueMember row of a QueueStatus reply."""

    queue: str
    interface: str
    member: str
    status: int
    paused: bool
    reason: str
    wrapup_s: int
    last_call: float  # epoch seconds of the member's last call end, 0 = none


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """One QueueEntry row: a caller waiting now, `wait_s` seconds so far."""

    queue: str
    call_id: str
    caller: str
    position: int
    wait_s: int


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """A whole QueueStatus reply (taken after every AMI (re)connect) at `ts`."""

    ts: float
    queues: tuple[str, ...]
    members: tuple[SnapshotMember, ...]
    entries: tuple[SnapshotEntry, ...]


DomainEvent = (
    CallerJoined
    | AgentRung
    | AgentRingNoAnswer
    | CallAnswered
    | TalkEnded
    | CallerAbandonReported
    | CallerLeftUnanswered
    | ChannelHungUp
    | CallTransferred
    | CallHeld
    | CallUnheld
    | MemberAdded
    | MemberRemoved
    | MemberPaused
    | MemberStatus
    | QueueSnapshot
)
