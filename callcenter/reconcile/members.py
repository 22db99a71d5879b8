"""Queue members' events in queue_log (log-ins, log-outs, pauses, rings not answered), kept
in agent_events for the reports' agent figures (callcenter/calls/agent_time.py)."""

from __future__ import annotations

from callcenter.reconcile.queue_log import Pause, QueueLogEntry, Ring
from queue_metrics.agent_time import MemberEvent

# queue_log verbs → kinds. With queues.conf `log_membername_as_agent = yes` every one of them
# names the member (ADDMEMBER/REMOVEMEMBER otherwise name the interface). PAUSEALL and
# UNPAUSEALL (queue "NONE", older Asterisk) name no queue and are not kept: Asterisk 22
# writes PAUSE/UNPAUSE once per queue of the member.
VERBS = {
    "ADDMEMBER": "add",
    "REMOVEMEMBER": "remove",
    "PAUSE": "pause",
    "UNPAUSE": "unpause",
    "RINGNOANSWER": "rna",
}


def member_event(entry: QueueLogEntry) -> MemberEvent | None:
    """The member event of a queue_log entry, if it is one."""
    kind = VERBS.get(entry.verb)
    if kind is None or not entry.agent or entry.queue in ("", "NONE"):
        return None
    if kind == "add" and entry.data[:1] == ("PAUSED",):
        kind = "pause"  # added paused: logged in, paused (no reason given)
    return MemberEvent(
        at=entry.at, agent=entry.agent, queue=entry.queue, kind=kind,
        reason=entry.reason.strip() if kind == "pause" and isinstance(entry, Pause) else "",
        ring_ms=entry.ringtime_ms if isinstance(entry, Ring) else None,
    )  # fmt: skip
