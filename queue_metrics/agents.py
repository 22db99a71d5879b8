"""Live agent states: queue membership (paused + reason) and what each agent's phone is doing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from queue_metrics.changes import Change
from queue_metrics.events import (
    MemberAdded,
    MemberPaused,
    MemberRemoved,
    MemberStatus,
    QueueSnapshot,
)

STATES = ("logged_out", "available", "ringing", "on_call", "wrap_up", "paused")
# Centre-wide state of an agent in several queues: the most engaged one wins.
_RANK = {"on_call": 0, "ringing": 1, "wrap_up": 2, "available": 3, "paused": 4, "logged_out": 5}
# AST_DEVICE_INUSE, BUSY, RINGING, RINGINUSE, ONHOLD: busy with a call we may not track
# (another queue's, a direct call). Local-channel agents report INUSE even while ringing.
_BUSY = frozenset({2, 3, 6, 7, 8})
IDLE = 1  # AST_DEVICE_NOT_INUSE
_NO_DEVICE = frozenset({4, 5})  # INVALID, UNAVAILABLE: a member no call can reach

CallKey = tuple[str, str]  # (call_id, queue)
State = tuple[str, str]  # (state, pause reason)


@dataclass(slots=True)
class Membership:
    member: str
    paused: bool = False
    reason: str = ""
    wrapup_s: int = 0  # the member's own wrapuptime; 0 = the queue's


@dataclass(slots=True)
class Phone:
    """One interface, shared by all its queues (queues.conf shared_lastcall = yes)."""

    status: int = IDLE
    ringing: set[CallKey] = field(default_factory=set)
    talking: CallKey | None = None
    wrapup_until: float = 0.0


class AgentStates:
    """Members per queue and phones per interface; `flush()` reports the states that moved."""

    def __init__(self) -> None:
        self.members: dict[str, dict[str, Membership]] = {}
        self.phones: dict[str, Phone] = {}
        self._names: dict[str, str] = {}  # interface → member name, kept after logout
        self._shown: dict[str, dict[str | None, State]] = {}  # interface → queue → last told
        self._touched: set[str] = set()

    # -- reading ------------------------------------------------------------

    def state(self, queue: str, interface: str, now: float) -> State:
        """The agent's state in one queue at `now` (docs/kpi-v1.md, 'Agent states')."""
        m = self.members.get(queue, {}).get(interface)
        if m is None:
            return ("logged_out", "")
        p = self.phones.get(interface) or Phone()
        if p.talking is not None:
            return ("on_call", "")
        if p.ringing:
            return ("ringing", "")
        if p.status in _BUSY:
            return ("on_call", "")
        if m.paused:
            return ("paused", m.reason)
        if p.status in _NO_DEVICE:
            return ("logged_out", "")
        if p.wrapup_until > now:
            return ("wrap_up", "")
        return ("available", "")

    def centre_state(self, interface: str, now: float) -> State:
        """Across the agent's queues: on_call > ringing > wrap_up > available > paused."""
        states = [self.state(q, interface, now) for q in self.queues_of(interface)]
        return min(states, key=lambda s: _RANK[s[0]], default=("logged_out", ""))

    def queues_of(self, interface: str) -> list[str]:
        return [q for q, members in self.members.items() if interface in members]

    def seen_in(self, queue: str) -> set[str]:
        """Interfaces that are, or were, members of the queue (a logout shows as logged_out)."""
        members = set(self.members.get(queue, {}))
        return members | {i for i, shown in self._shown.items() if queue in shown}

    def seen(self) -> set[str]:
        return set(self._names)

    def member_name(self, interface: str) -> str:
        return self._names.get(interface, "")

    def wrapup_s(self, queue: str, interface: str, default: int) -> int:
        """Asterisk's rule: the member's own wrapuptime when set, else the queue's."""
        m = self.members.get(queue, {}).get(interface)
        return m.wrapup_s if m is not None and m.wrapup_s > 0 else default

    def end_wrapup(self, interface: str) -> bool:
        """After-call work is done (the desk's disposition): wrap-up ends now, not at its
        timer. False when the agent was not wrapping up."""
        phone = self.phones.get(interface)
        if phone is None or phone.wrapup_until == 0.0:
            return False
        phone.wrapup_until = 0.0
        self._touched.add(interface)
        return True

    # -- member events --------------------------------------------------------

    def added(self, e: MemberAdded) -> None:
        self.members.setdefault(e.queue, {})[e.interface] = Membership(
            e.member, e.paused, e.reason, e.wrapup_s
        )
        self._names[e.interface] = e.member
        self._phone(e.interface).status = e.status

    def removed(self, e: MemberRemoved) -> None:
        self.members.get(e.queue, {}).pop(e.interface, None)
        self._touched.add(e.interface)

    def paused(self, e: MemberPaused | MemberStatus) -> None:
        m = self.members.get(e.queue, {}).get(e.interface)
        if m is None:  # joined while we were not listening: the event tells us enough
            m = self.members.setdefault(e.queue, {})[e.interface] = Membership(e.member)
            self._names[e.interface] = e.member
        m.paused, m.reason = e.paused, e.reason if e.paused else ""
        self._touched.add(e.interface)

    def status(self, e: MemberStatus) -> None:
        self.paused(e)
        self._phone(e.interface).status = e.status

    # -- call activity ----------------------------------------------------------

    def rung(self, interface: str, key: CallKey) -> None:
        self._phone(interface).ringing.add(key)

    def unrung(self, interface: str, key: CallKey) -> None:
        self._ring_over(self._phone(interface), key)

    def call_gone(self, key: CallKey) -> None:
        """The caller left or was answered: no phone rings for this call any more."""
        for interface, phone in self.phones.items():
            if key in phone.ringing:
                self._ring_over(phone, key)
                self._touched.add(interface)

    @staticmethod
    def _ring_over(phone: Phone, key: CallKey) -> None:
        phone.ringing.discard(key)
        if not phone.ringing and phone.talking is None:
            # With ringinuse = no only an idle phone is rung, so it is idle again; this
            # spares a false on_call until QueueMemberStatus (a Local agent rings "INUSE").
            phone.status = IDLE

    def connected(self, interface: str, key: CallKey) -> None:
        self.call_gone(key)
        self._phone(interface).talking = key

    def caller_gone(self, interface: str, key: CallKey) -> None:
        """The caller of the agent's call hung up: the agent no longer talks on it."""
        phone = self._phone(interface)
        if phone.talking == key:
            phone.talking = None
            phone.status = IDLE
            self._touched.add(interface)

    def completed(self, interface: str, key: CallKey, *, wrapup_until: float) -> None:
        phone = self._phone(interface)
        if phone.talking == key:
            phone.talking = None
            phone.status = IDLE  # the agent leg hangs up with the call; QueueMemberStatus follows
        phone.wrapup_until = max(phone.wrapup_until, wrapup_until)

    def resync(self, snap: QueueSnapshot, wrapup_of: Callable[[str], int]) -> None:
        """Members of the snapshot's queues replaced by its QueueMember rows."""
        for queue in snap.queues:
            self._touched.update(self.members.get(queue, {}))
            self.members[queue] = {}
        for row in snap.members:
            self.members.setdefault(row.queue, {})[row.interface] = Membership(
                row.member, row.paused, row.reason if row.paused else "", row.wrapup_s
            )
            self._names[row.interface] = row.member
            phone = self._phone(row.interface)
            phone.status = row.status
            if row.last_call:
                wrapup = row.wrapup_s or wrapup_of(row.queue)
                phone.wrapup_until = max(phone.wrapup_until, row.last_call + wrapup)

    # -- changes ----------------------------------------------------------------

    def wrapping_up(self, now: float) -> None:
        """Mark agents whose wrap-up has run out by `now`, so `flush` reports them."""
        for interface, phone in self.phones.items():
            if 0 < phone.wrapup_until <= now:
                phone.wrapup_until = 0.0
                self._touched.add(interface)

    def flush(self, now: float) -> list[Change]:
        """agent_state changes (per queue and centre-wide) of every agent touched since."""
        changes: list[Change] = []
        for interface in self._touched:
            shown = self._shown.setdefault(interface, {})
            queues = {q for q in shown if q is not None} | set(self.queues_of(interface))
            for queue in sorted(queues):
                self._note(changes, shown, queue, interface, self.state(queue, interface, now))
            self._note(changes, shown, None, interface, self.centre_state(interface, now))
        self._touched.clear()
        return changes

    def _note(
        self,
        out: list[Change],
        shown: dict[str | None, State],
        queue: str | None,
        interface: str,
        state: State,
    ) -> None:
        if shown.get(queue) == state:
            return
        shown[queue] = state
        data = {"member": self.member_name(interface), "state": state[0], "reason": state[1]}
        out.append(Change("agent_state", queue, interface, data))

    def _phone(self, interface: str) -> Phone:
        self._touched.add(interface)
        phone = self.phones.get(interface)
        if phone is None:
            phone = self.phones[interface] = Phone()
        return phone
