"""Referrals of a case to partner agencies, and their return, audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import audit, taxonomy
from callcenter.cases.models import Case, Referral
from callcenter.cases.schemas import ReferralIn, ReferralUpdate
from callcenter.errors import NotFound
from callcenter.users.models import User


async def add_referral(
    *,
    session: AsyncSession,
    case: Case,
    referral_in: ReferralIn,
    user: User,
    now: datetime | None = None,
) -> Referral:
    """Refer the case to a partner agency (the status is changed separately)."""
    now = now or datetime.now(UTC)
    agency = await taxonomy.agency(session=session, code=referral_in.agency)
    referral = Referral(
        case_id=case.id, agency=agency.code, referred_at=referral_in.referred_at or now,
        note=referral_in.note, returned=False, returned_note="",
    )  # fmt: skip
    session.add(referral)
    await session.flush()
    audit.record(session=session, case_id=case.id, user=user, at=now,
                 field=f"referral:{referral.id}", old=None, new=agency.code)  # fmt: skip
    return referral


async def update_referral(
    *, session: AsyncSession, case: Case, referral_id: int, changes: ReferralUpdate, user: User
) -> Referral:
    """Record that (and when) the agency returned the case, audited."""
    now = datetime.now(UTC)
    referral = await session.get(Referral, referral_id)
    if referral is None or referral.case_id != case.id:
        raise NotFound(f"no referral {referral_id} on case {case.id}", referral_id=referral_id)
    data = changes.model_dump(exclude_unset=True)
    if data.get("returned") and "returned_at" not in data and referral.returned_at is None:
        data["returned_at"] = now
    for name, value in data.items():
        if value is not None and getattr(referral, name) != value:
            audit.record(session=session, case_id=case.id, user=user, at=now,
                         field=f"referral:{referral.id}.{name}",
                         old=getattr(referral, name), new=value)  # fmt: skip
            setattr(referral, name, value)
    case.updated_at = now
    await session.flush()
    return referral
