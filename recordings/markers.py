"""Moments of a recorded call worth a marker on its waveform: hold, off hold and transfer,
from the call's stored AMI events (ami_events), as seconds into the recording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.ami.models import AmiEvent
from recordings.models import Recording

KINDS = {"Hold": "hold", "Unhold": "unhold", "BlindTransfer": "transfer",
         "AttendedTransfer": "transfer"}  # fmt: skip
# A transfer event names the call by its parties' linkedids, not by `Linkedid`.
TRANSFER_LINKEDIDS = (
    "TransfererLinkedid", "TransfereeLinkedid", "OrigTransfererLinkedid",
    "SecondTransfererLinkedid",
)  # fmt: skip
SLACK = timedelta(seconds=5)  # events stamped just outside the recording still belong to it


@dataclass(frozen=True)
class Marker:
    at_s: float  # seconds from the recording's start (clamped to its length)
    kind: str  # "hold" | "unhold" | "transfer"
    detail: str  # a transfer's target


def _detail(event: str, headers: dict[str, str]) -> str:
    if event == "BlindTransfer":
        return f"{headers.get('Extension', '')}@{headers.get('Context', '')}".strip("@")
    if event == "AttendedTransfer":
        return (headers.get("TransferTargetChannel") or headers.get("DestApp")
                or headers.get("DestType", ""))  # fmt: skip
    return ""


async def of_recording(*, session: AsyncSession, row: Recording) -> list[Marker]:
    """The hold/unhold/transfer moments of the recording's call, in time order; a transfer
    that failed (Result other than Success) is left out."""
    end = row.ended_at or row.started_at + timedelta(seconds=row.duration_s)
    same_call = or_(
        AmiEvent.linkedid == row.linkedid,
        *(AmiEvent.headers[k].astext == row.linkedid for k in TRANSFER_LINKEDIDS),
    )
    events = await session.scalars(
        select(AmiEvent)
        .where(
            AmiEvent.event.in_(list(KINDS)),
            AmiEvent.event_ts >= row.started_at - SLACK,
            AmiEvent.event_ts <= end + SLACK,
            same_call,
        )
        .order_by(AmiEvent.event_ts, AmiEvent.id)
    )
    length = max(row.duration_s, (end - row.started_at).total_seconds())
    out = []
    for e in events:
        if KINDS[e.event] == "transfer" and e.headers.get("Result", "Success") != "Success":
            continue
        at = (e.event_ts - row.started_at).total_seconds()
        out.append(Marker(round(min(max(at, 0.0), length), 2), KINDS[e.event],
                          _detail(e.event, e.headers)))  # fmt: skip
    return out
