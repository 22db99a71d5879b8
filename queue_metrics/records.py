"""One queue call's record: what kpi-v1.1 counts (docs/kpi-v1.md). From AMI (live) or queue_log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

DEFINITION = "kpi-v1.1"  # named by every figure; docs/kpi-v1.md "Changes" says why


class Outcome(StrEnum):
    """Exactly one per finished queue call (docs/kpi-v1.md, 'Outcomes of a queue call')."""

    answered = "answered"  # CONNECT
    abandoned = "abandoned"  # ABANDON: caller hung up while waiting
    timeout = "timeout"  # EXITWITHTIMEOUT
    no_agents = "no_agents"  # EXITEMPTY (and joinempty refusals)
    key_exit = "key_exit"  # EXITWITHKEY
    withdrawn = "withdrawn"  # WITHDRAW


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One entry of one caller into one queue; times are epoch seconds (UTC), waits whole seconds.

    `call_id` is the caller channel's Uniqueid (queue_log's callid); a call moved to a
    second queue is a second record with the same `linkedid`.
    """

    call_id: str
    linkedid: str
    queue: str
    entered_at: float
    caller: str = ""
    outcome: Outcome | None = None  # None while the caller is still waiting / talking
    wait_s: int | None = None  # Asterisk's holdtime/waittime for answered or left calls
    ended_at: float | None = None  # left the queue (unanswered) or the talk ended
    agent: str | None = None  # member name of the agent who answered
    answered_at: float | None = None
    talk_s: int | None = None  # CONNECT → COMPLETE*/transfer, hold included (Asterisk's)
    hold_s: int = 0  # time on hold (AMI Hold → Unhold), already inside talk_s
    wrapup_s: int = 0  # after-call work charged to this call
    transferred_to: str | None = None
    ended_by: str | None = None  # AgentComplete Reason: caller | agent | transfer

    @property
    def finished(self) -> bool:
        """True once the outcome is known and, for answered calls, the talk has ended."""
        if self.outcome is None:
            return False
        return self.outcome != Outcome.answered or self.talk_s is not None

    def with_(self, **changes: object) -> CallRecord:
        return replace(self, **changes)  # type: ignore[arg-type]
