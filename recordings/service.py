"""Catalogue and audit queries (keyword-only; the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter.cases.models import CaseCall
from recordings import completeness
from recordings.models import AuditEntry, QaEvaluation, QaResponse, Recording, UploadState


@dataclass(frozen=True)
class RecordingFilter:
    start: datetime | None = None
    end: datetime | None = None
    queue: str | None = None
    agent: str | None = None
    caller: str | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    qa_state: str | None = None  # "scored" | "unscored" | "disputed"
    # A current (not superseded) evaluation's score in [min_score, max_score]; critical:
    # one whose critical item failed.
    min_score: float | None = None
    max_score: float | None = None
    critical: bool | None = None
    case_id: int | None = None  # linked to this complaint case
    has_case: bool | None = None  # linked to any case (True) or to none (False)
    limit: int = 100
    offset: int = 0


async def by_uniqueid(*, session: AsyncSession, uniqueid: str) -> Recording | None:
    """The catalogue row of one recorded channel."""
    found: Recording | None = await session.scalar(
        select(Recording).where(Recording.uniqueid == uniqueid)
    )
    return found


async def by_uniqueids(*, session: AsyncSession, ids: list[str]) -> dict[str, Recording]:
    """Catalogue rows of these channels, by uniqueid (one query for a whole spool scan)."""
    if not ids:
        return {}
    rows = await session.scalars(select(Recording).where(Recording.uniqueid.in_(ids)))
    return {r.uniqueid: r for r in rows}


async def get(*, session: AsyncSession, recording_id: int) -> Recording | None:
    """One catalogue row by id."""
    return await session.get(Recording, recording_id)


def _filtered(f: RecordingFilter) -> Select[Any]:
    query = select(Recording)
    conditions: list[Any] = []
    if f.start is not None:
        conditions.append(Recording.started_at >= f.start)
    if f.end is not None:
        conditions.append(Recording.started_at < f.end)
    for column, value in ((Recording.queue, f.queue), (Recording.agent, f.agent)):
        if value:
            conditions.append(column == value)
    if f.caller:
        conditions.append(Recording.caller.contains(f.caller))
    if f.min_duration_s is not None:
        conditions.append(Recording.duration_s >= f.min_duration_s)
    if f.max_duration_s is not None:
        conditions.append(Recording.duration_s <= f.max_duration_s)
    scored = exists().where(QaEvaluation.recording_id == Recording.id)
    if f.qa_state == "scored":
        conditions.append(scored)
    elif f.qa_state == "unscored":
        conditions.append(~scored)
    elif f.qa_state == "disputed":  # the agent disputed one of its evaluations
        conditions.append(
            exists().where(
                QaEvaluation.recording_id == Recording.id,
                QaResponse.evaluation_id == QaEvaluation.id,
                QaResponse.action == "dispute",
            )
        )
    if f.min_score is not None or f.max_score is not None or f.critical is not None:
        newer = aliased(QaEvaluation)
        judged = [
            QaEvaluation.recording_id == Recording.id,
            ~exists().where(newer.supersedes_id == QaEvaluation.id),
        ]
        if f.min_score is not None:
            judged.append(QaEvaluation.score >= f.min_score)
        if f.max_score is not None:
            judged.append(QaEvaluation.score <= f.max_score)
        if f.critical is not None:
            judged.append(QaEvaluation.critical_fail.is_(f.critical))
        conditions.append(exists().where(*judged))
    linked = exists().where(CaseCall.linkedid == Recording.linkedid)
    if f.case_id is not None:
        conditions.append(linked.where(CaseCall.case_id == f.case_id))
    if f.has_case is True:
        conditions.append(linked)
    elif f.has_case is False:
        conditions.append(~linked)
    return query.where(*conditions)


async def count(*, session: AsyncSession, filters: RecordingFilter) -> int:
    """How many catalogue rows match `filters` (all pages: the true total)."""
    found = await session.scalar(
        _filtered(filters).with_only_columns(func.count(Recording.id)).order_by(None)
    )
    return int(found or 0)


async def agents_seen(*, session: AsyncSession) -> list[str]:
    """Every agent name in the catalogue (the QA page's agent list beyond centre.toml)."""
    rows = await session.scalars(
        select(Recording.agent).where(Recording.agent != "").distinct().order_by(Recording.agent)
    )
    return list(rows)


async def search(*, session: AsyncSession, filters: RecordingFilter) -> list[Recording]:
    """Catalogue rows matching `filters`, newest first."""
    query = _filtered(filters).order_by(Recording.started_at.desc(), Recording.id.desc())
    rows = await session.scalars(query.limit(filters.limit).offset(filters.offset))
    return list(rows)


@dataclass(frozen=True)
class Linked:
    """What the catalogue row does not hold itself: QA state and the complaint case."""

    scored: bool  # at least one QA evaluation
    case_id: int | None  # the first case its call (linkedid) is linked to
    score: float | None = None  # its newest current (not superseded) evaluation's score
    critical_fail: bool = False  # ... and whether a critical item failed in it
    disputed: bool = False  # the agent disputed one of its evaluations


async def linked(*, session: AsyncSession, rows: Sequence[Recording]) -> dict[int, Linked]:
    """Per recording id, from three queries for the whole page of rows."""
    if not rows:
        return {}
    ids = [r.id for r in rows]
    newer = aliased(QaEvaluation)
    judged = await session.execute(
        select(QaEvaluation.recording_id, QaEvaluation.score, QaEvaluation.critical_fail)
        .where(QaEvaluation.recording_id.in_(ids))
        .where(~exists().where(newer.supersedes_id == QaEvaluation.id))
        .order_by(QaEvaluation.id)
    )
    # oldest first: the newest current evaluation wins
    scores: dict[int, tuple[float, bool]] = {r: (v, c) for r, v, c in judged.all()}
    disputed = set(
        await session.scalars(
            select(QaEvaluation.recording_id)
            .join(QaResponse, QaResponse.evaluation_id == QaEvaluation.id)
            .where(QaEvaluation.recording_id.in_(ids), QaResponse.action == "dispute")
        )
    )
    first_case = select(CaseCall.linkedid, func.min(CaseCall.case_id)).group_by(CaseCall.linkedid)
    found = await session.execute(
        first_case.where(CaseCall.linkedid.in_({r.linkedid for r in rows}))
    )
    cases: dict[str, int] = {linkedid: case_id for linkedid, case_id in found.all()}
    out = {}
    for r in rows:
        value, critical = scores.get(r.id, (None, False))
        out[r.id] = Linked(r.id in scores, cases.get(r.linkedid), value, critical,
                           r.id in disputed)  # fmt: skip
    return out


async def retention_ended(
    *, session: AsyncSession, start: datetime, end: datetime
) -> list[Recording]:
    """Recordings whose retain-until falls in [start, end)."""
    rows = await session.scalars(
        select(Recording)
        .where(Recording.retain_until >= start, Recording.retain_until < end)
        .order_by(Recording.retain_until)
    )
    return list(rows)


async def audit(
    *,
    session: AsyncSession,
    user_id: int | None,
    username: str,
    role: str,
    action: str,
    recording_id: int | None = None,
    client_ip: str | None = None,
    user_agent: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row (the table refuses updates and deletes)."""
    session.add(
        AuditEntry(
            user_id=user_id, username=username, role=role, action=action,
            recording_id=recording_id, client_ip=client_ip,
            user_agent=(user_agent or "")[:256] or None, detail=detail or {},
        )
    )  # fmt: skip


async def audit_rows(
    *, session: AsyncSession, recording_id: int | None, action: str | None, limit: int
) -> list[AuditEntry]:
    """Newest audit rows first, optionally for one recording or action."""
    query = select(AuditEntry)
    if recording_id is not None:
        query = query.where(AuditEntry.recording_id == recording_id)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return list(rows)


async def add_all(*, session: AsyncSession, rows: list[Recording]) -> None:
    """Insert new catalogue rows in one statement (their ids are set afterwards)."""
    session.add_all(rows)
    await session.flush()


async def set_outcomes(*, session: AsyncSession, values: list[dict[str, Any]]) -> None:
    """Update many rows by id in one executemany; every dict has the same keys."""
    if values:
        await session.execute(update(Recording), values)


async def backlog(*, session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """Recordings not yet safe in the vault: `waiting` (hashed or uploaded, the uploader's work)
    and `failed` (kept in the spool for a person to look at); and `incomplete_60m`, those of
    the last hour much shorter than their call's talk (recordings/completeness.py)."""
    waiting = (UploadState.hashed.value, UploadState.uploaded.value)
    rows = await session.execute(
        select(Recording.upload_state, func.count())
        .where(Recording.upload_state.in_([*waiting, UploadState.failed.value]))
        .group_by(Recording.upload_state)
    )
    counts: dict[str, int] = {state: n for state, n in rows.all()}
    since = (now or datetime.now(UTC)) - timedelta(seconds=completeness.ALERT_WINDOW_S)
    return {
        "waiting": sum(counts.get(s, 0) for s in waiting),
        "failed": counts.get(UploadState.failed.value, 0),
        "incomplete_60m": await completeness.incomplete_count(session=session, since=since),
    }


CONTRACT_RETENTION_DAYS = 180  # the contract: every recording kept at least this long


async def retention_figures(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None = None
) -> dict[str, Any]:
    """The vault's side of the contract for recordings started in [start, end) (calls that
    never bridged have nothing to keep and are left out): how many are stored and verified
    under a retention lock reaching 180 days after the call, how many failed, how many are
    still on their way, and `recordings_kept_pct` of them all kept (the contract: 100)."""
    kept_until = Recording.started_at + timedelta(days=CONTRACT_RETENTION_DAYS)
    verified = Recording.upload_state == UploadState.verified.value
    stmt = select(
        func.count(),
        func.count().filter(verified & (Recording.retain_until >= kept_until)),
        func.count().filter(verified & ~(Recording.retain_until >= kept_until)),
        func.count().filter(Recording.upload_state == UploadState.failed.value),
        func.count().filter(Recording.incomplete),
    ).where(
        Recording.started_at >= start,
        Recording.started_at < end,
        Recording.upload_state != UploadState.empty.value,
    )
    if queue is not None:
        stmt = stmt.where(Recording.queue == queue)
    total, kept, short, failed, incomplete = (await session.execute(stmt)).one()
    return {
        "recordings": int(total),
        "recordings_kept_180d": int(kept),
        "recordings_short_retention": int(short),
        "recordings_failed": int(failed),
        "recordings_pending": int(total) - int(kept) - int(short) - int(failed),
        "recordings_incomplete": int(incomplete),
        "recordings_kept_pct": round(100.0 * kept / total, 2) if total else None,
    }
