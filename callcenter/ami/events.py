"""Which AMI events the service keeps, and how one is keyed for idempotent storage."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# Queue* and Agent* cover callers (Join/Leave/Abandon), members (Added/Removed/
# Pause/Status/Penalty) and agent legs (Called/Connect/Complete/RingNoAnswer/Dump).
QUEUE_EVENT_PREFIXES = ("Queue", "Agent")
# UserEvent carries our dialplan's QueueOutcome (why a caller left unanswered).
CALL_EVENTS = frozenset(
    {"Hangup", "BlindTransfer", "AttendedTransfer", "Hold", "Unhold", "UserEvent"}
)


def is_queue_event(name: str) -> bool:
    """True for the events the contact-centre figures are built from."""
    return name.startswith(QUEUE_EVENT_PREFIXES) or name in CALL_EVENTS


def dedup_key(headers: dict[str, str]) -> str:
    """Same event delivered twice → same key (timestampevents makes each event unique)."""
    canonical = json.dumps(headers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_time(headers: dict[str, str], *, fallback: datetime) -> datetime:
    """The Asterisk `Timestamp` header (epoch seconds, µs) as an aware datetime."""
    raw = headers.get("Timestamp")
    if raw:
        try:
            return datetime.fromtimestamp(float(raw), tz=UTC)
        except ValueError:
            pass
    return fallback


def to_row(headers: dict[str, str], *, received_at: datetime) -> dict[str, Any]:
    """One `ami_events` row for an AMI event."""
    return {
        "dedup_key": dedup_key(headers),
        "event": headers.get("Event", "")[:64],
        "event_ts": event_time(headers, fallback=received_at),
        "linkedid": headers.get("Linkedid") or None,
        "uniqueid": headers.get("Uniqueid") or None,
        "queue": headers.get("Queue") or None,
        "headers": headers,
    }
