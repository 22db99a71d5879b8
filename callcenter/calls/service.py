"""Store and read queue-call records (kpi-v1); callers own the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import QueueCall
from queue_metrics.records import CallRecord, Outcome

_TIMES = ("entered_at", "ended_at", "answered_at")
_FIELDS = (
    "linkedid", "caller", "outcome", "wait_s", "ended_at", "agent", "answered_at",
    "talk_s", "hold_s", "wrapup_s", "transferred_to", "source",
)  # fmt: skip


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


def to_row(record: CallRecord, *, source: str) -> dict[str, Any]:
    """Column values for one record."""
    row: dict[str, Any] = {
        "call_id": record.call_id,
        "linkedid": record.linkedid,
        "queue": record.queue,
        "caller": record.caller,
        "outcome": record.outcome.value if record.outcome else None,
        "wait_s": record.wait_s,
        "agent": record.agent,
        "talk_s": record.talk_s,
        "hold_s": record.hold_s,
        "wrapup_s": record.wrapup_s,
        "transferred_to": record.transferred_to,
        "source": source,
    }
    for name in _TIMES:
        row[name] = _ts(getattr(record, name))
    return row


def to_record(row: QueueCall) -> CallRecord:
    """The kpi-v1 record of a stored row."""
    return CallRecord(
        call_id=row.call_id,
        linkedid=row.linkedid,
        queue=row.queue,
        entered_at=row.entered_at.timestamp(),
        caller=row.caller,
        outcome=Outcome(row.outcome) if row.outcome else None,
        wait_s=row.wait_s,
        ended_at=row.ended_at.timestamp() if row.ended_at else None,
        agent=row.agent,
        answered_at=row.answered_at.timestamp() if row.answered_at else None,
        talk_s=row.talk_s,
        hold_s=row.hold_s,
        wrapup_s=row.wrapup_s,
        transferred_to=row.transferred_to,
    )


# One queue entry in AMI and queue_log. The live record's entry time is the dialplan's
# CC_ENTERED (set in the call's thread, like queue_log's ENTERQUEUE), so the two are a second
# apart at most. The manager's own Timestamp, used when CC_ENTERED is missing, lags the call
# under load: 2-3.3 s, then 12-37 s with the machine shared (benchmarks/controller_cpu.py,
# 300 calls at 5/s): matched by it, such calls were stored twice. One caller channel does
# not enter the same queue twice within 10 s.
SAME_ENTRY_S = 10.0


async def _align(session: AsyncSession, records: list[CallRecord]) -> list[CallRecord]:
    """Give each record the entry time already stored for the same queue call, if any."""
    ids = {r.call_id for r in records}
    found = await session.execute(
        select(QueueCall.call_id, QueueCall.queue, QueueCall.entered_at).where(
            QueueCall.call_id.in_(ids)
        )
    )
    stored: dict[tuple[str, str], list[float]] = {}
    for call_id, queue, entered in found:
        stored.setdefault((call_id, queue), []).append(entered.timestamp())
    aligned = []
    for r in records:
        near = [
            t for t in stored.get((r.call_id, r.queue), []) if abs(t - r.entered_at) <= SAME_ENTRY_S
        ]
        aligned.append(r.with_(entered_at=near[0]) if near else r)
    return aligned


async def upsert(*, session: AsyncSession, records: Iterable[CallRecord], source: str) -> int:
    """Insert or update records by queue call (same caller channel, queue, entry ±2 s)."""
    batch = await _align(session, list(records))
    rows = [to_row(r, source=source) for r in batch]
    if not rows:
        return 0
    # render_nulls: every row has the same columns, so the whole batch is one executemany
    # (otherwise the ORM splits it at every change in which values are None).
    stmt = insert(QueueCall).execution_options(render_nulls=True)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_queue_calls_call_id",
        set_={name: stmt.excluded[name] for name in _FIELDS},
    )
    await session.execute(stmt, rows)
    return len(rows)


async def between(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None = None
) -> Sequence[CallRecord]:
    """Records of calls that entered a queue in [start, end), oldest first."""
    query = select(QueueCall).where(QueueCall.entered_at >= start, QueueCall.entered_at < end)
    if queue is not None:
        query = query.where(QueueCall.queue == queue)
    rows = await session.scalars(query.order_by(QueueCall.entered_at, QueueCall.id))
    return [to_record(r) for r in rows]
