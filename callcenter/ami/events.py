"""Which AMI events the service keeps, and how one is keyed for idempotent storage."""

from __future__ import annotations

import hashlib
import json
from typing import NamedTuple

# Queue* and Agent* cover callers (Join/Leave/Abandon), members (Added/Removed/
# Pause/Status/Penalty) and agent legs (Called/Connect/Complete/RingNoAnswer/Dump).
QUEUE_EVENT_PREFIXES = ("Queue", "Agent")
# UserEvent carries our dialplan's QueueOutcome (why a caller left unanswered).
CALL_EVENTS = frozenset(
    {"Hangup", "BlindTransfer", "AttendedTransfer", "Hold", "Unhold", "UserEvent"}
)


# A caller's key while waiting in a queue (the callback offer, callcenter/callbacks/offer.py):
# handed to that part only, never stored (a keyed phone number is personal data).
KEY_EVENTS = frozenset({"DTMFEnd"})


def is_queue_event(name: str) -> bool:
    """True for the events the contact-centre figures are built from."""
    return name.startswith(QUEUE_EVENT_PREFIXES) or name in CALL_EVENTS


def is_service_event(name: str) -> bool:
    """What the service's AMI login reads: the figures' events and the callers' keys."""
    return is_queue_event(name) or name in KEY_EVENTS


def manager_event_filter() -> str:
    """manager.conf `eventfilter` for the service's login: Asterisk sends only what
    `is_queue_event` keeps (a superset: a regex over the event text), Shutdown, and every
    event that answers one of our actions (it carries our ActionID: OriginateResponse,
    QueueStatus's list).

    Without it most of what Asterisk sends per call (Newchannel, Newstate, Bridge*, Dial*,
    MixMonitor*, ...) is read, framed and thrown away by the service.
    """
    names = sorted([*QUEUE_EVENT_PREFIXES, *CALL_EVENTS, *KEY_EVENTS, "Shutdown"])
    return f"Event: ({'|'.join(names)})|ActionID: "


# One encoder for every event: json.dumps would build it again on each call.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(headers: dict[str, str]) -> str:
    """The headers as canonical JSON: the dedup key's input, and what is stored as JSONB."""
    return _CANONICAL.encode(headers)


def dedup_key(headers: dict[str, str]) -> str:
    """Same event delivered twice → same key (timestampevents makes each event unique)."""
    return hashlib.sha256(canonical(headers).encode()).hexdigest()


class Row(NamedTuple):
    """One `ami_events` row for an AMI event (the columns the writer sends)."""

    dedup_key: str
    event: str
    event_ts: float  # epoch seconds: Asterisk's Timestamp, or when we received it
    linkedid: str | None
    uniqueid: str | None
    queue: str | None
    headers: str  # canonical JSON, stored as JSONB


def to_row(headers: dict[str, str], *, received_at: float) -> Row:
    """The row of one event; the headers are serialized once for both key and storage."""
    text = canonical(headers)
    try:
        ts = float(headers["Timestamp"])
    except (KeyError, ValueError):
        ts = received_at
    return Row(
        hashlib.sha256(text.encode()).hexdigest(),
        headers.get("Event", "")[:64],
        ts,
        headers.get("Linkedid") or None,
        headers.get("Uniqueid") or None,
        headers.get("Queue") or None,
        text,
    )
