"""The append-only case audit trail (the database refuses UPDATE and DELETE on it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases.models import CaseAuditEntry
from callcenter.users.models import User


def as_text(value: object) -> str | None:
    """How a value is written in the trail."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def record(
    *,
    session: AsyncSession,
    case_id: int,
    user: User,
    at: datetime,
    field: str,
    old: object,
    new: object,
) -> None:
    """Add one entry: who changed which field of which case, from what to what."""
    session.add(
        CaseAuditEntry(
            case_id=case_id,
            at=at,
            user_id=user.id,
            username=user.username,
            field=field,
            old=as_text(old),
            new=as_text(new),
        )
    )


async def trail(*, session: AsyncSession, case_id: int) -> Sequence[CaseAuditEntry]:
    """Every entry of a case, oldest first."""
    stmt = (
        select(CaseAuditEntry).where(CaseAuditEntry.case_id == case_id).order_by(CaseAuditEntry.id)
    )
    return (await session.scalars(stmt)).all()
