"""The catalogue of packs (report_packs): what was built, failed or late, per kind and period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.models import ReportPack, Status


async def latest_built(
    session: AsyncSession, *, kind: str, lang: str, period: str | None = None
) -> ReportPack | None:
    """The newest revision of the latest period built (or of `period`)."""
    stmt = select(ReportPack).where(
        ReportPack.kind == kind, ReportPack.lang == lang, ReportPack.status == Status.built.value
    )
    if period is not None:
        stmt = stmt.where(ReportPack.period == period)
    stmt = stmt.order_by(ReportPack.period.desc(), ReportPack.revision.desc()).limit(1)
    return (await session.scalars(stmt)).first()


async def next_revision(session: AsyncSession, *, kind: str, period: str, lang: str) -> int:
    found = await session.scalar(
        select(func.max(ReportPack.revision)).where(
            ReportPack.kind == kind, ReportPack.period == period, ReportPack.lang == lang
        )
    )
    return int(found or 0) + 1


async def noted(
    session: AsyncSession, *, kind: str, period: str, lang: str, status: Status
) -> bool:
    """A failure or lateness of this pack was noted already (and alerted once)."""
    found = await session.scalar(
        select(func.count()).where(
            ReportPack.kind == kind, ReportPack.period == period, ReportPack.lang == lang,
            ReportPack.status == status.value,
        )
    )  # fmt: skip
    return bool(found)


def note(
    session: AsyncSession, *, kind: str, period: str, lang: str, status: Status, due_at: datetime,
    at: datetime, error: str = "", trigger: str = "schedule",
) -> ReportPack:  # fmt: skip
    row = ReportPack(
        kind=kind, period=period, lang=lang, status=status.value, revision=None, trigger=trigger,
        due_at=due_at, built_at=at, complete=None, sha256="", files=[], error=error[:2000],
    )  # fmt: skip
    session.add(row)
    return row


async def listing(
    session: AsyncSession, *, kind: str | None = None, limit: int = 200
) -> Sequence[ReportPack]:
    stmt = select(ReportPack).order_by(ReportPack.built_at.desc(), ReportPack.id.desc())
    if kind is not None:
        stmt = stmt.where(ReportPack.kind == kind)
    return (await session.scalars(stmt.limit(limit))).all()


def as_dict(row: ReportPack) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "period": row.period, "lang": row.lang,
        "status": row.status, "revision": row.revision, "trigger": row.trigger,
        "due_at": row.due_at.isoformat(), "built_at": row.built_at.isoformat(),
        "complete": row.complete, "sha256": row.sha256, "error": row.error,
        "emailed_at": row.emailed_at.isoformat() if row.emailed_at else None,
        "built_by": row.built_by,
        "files": [{k: f[k] for k in ("name", "sha256", "size", "content_type")} for f in row.files],
    }  # fmt: skip
