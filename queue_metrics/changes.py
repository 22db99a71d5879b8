"""What the engine tells the websocket hub after each event: small, JSON-ready change notes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# kind values:
#   call_waiting    a caller joined a queue (or was found waiting by a resync)
#   call_answered   an agent connected; data has wait_s and agent
#   call_finished   a queue call has its final figures; data is the CallRecord as a dict
#   call_unresolved a call whose end was lost (AMI outage); data is what is known of it
#   agent_state     one agent's state in one queue (queue=None: the centre-wide state)
#   resynced        live state was rebuilt from QueueStatus: push a whole snapshot again
KINDS = (
    "call_waiting",
    "call_answered",
    "call_finished",
    "call_unresolved",
    "agent_state",
    "resynced",
)


@dataclass(frozen=True, slots=True)
class Change:
    """One change of live state; `key` is a call_id or an agent interface."""

    kind: str
    queue: str | None
    key: str
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: {"kind", "queue", "key", "data"}."""
        return {"kind": self.kind, "queue": self.queue, "key": self.key, "data": dict(self.data)}
