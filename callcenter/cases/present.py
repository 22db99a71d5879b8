"""Cases as a given user sees them: labels attached, personal data masked where the role
does not need it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import privacy, workflow
from callcenter.cases.models import (
    Attachment,
    Case,
    CaseAuditEntry,
    CaseCall,
    Category,
    Channel,
    Referral,
    ServiceLine,
    Status,
)
from callcenter.cases.schemas import (
    AttachmentOut,
    AuditOut,
    CallOut,
    CaseOut,
    CaseSummary,
    LabelOut,
    ReferralOut,
)
from callcenter.users.models import User


class Labels:
    """Service line and category labels, read once per request (small tables)."""

    def __init__(self, lines: Sequence[ServiceLine], categories: Sequence[Category]) -> None:
        self.lines = {line.code: line for line in lines}
        self.categories = {c.id: c for c in categories}

    @classmethod
    async def load(cls, session: AsyncSession) -> Labels:
        lines = (await session.scalars(select(ServiceLine))).all()
        return cls(lines, (await session.scalars(select(Category))).all())

    def line(self, code: str) -> LabelOut:
        line = self.lines[code]
        return LabelOut(code=line.code, label_th=line.label_th, label_en=line.label_en)

    def category(self, category_id: int | None) -> LabelOut | None:
        cat = self.categories.get(category_id) if category_id is not None else None
        return None if cat is None else LabelOut(code=cat.code, label_th=cat.label_th,
                                                 label_en=cat.label_en)  # fmt: skip


def shows_personal_data(case: Case, user: User) -> bool:
    own = privacy.owns(
        user, assigned_user_id=case.assigned_user_id, created_by_user_id=case.created_by_user_id
    )
    return privacy.sees_personal_data(user, own=own)


def _personal(case: Case, clear: bool) -> dict[str, str]:
    values = {name: getattr(case, name) for name in privacy.PERSONAL_FIELDS}
    if clear:
        return values
    return {name: privacy.mask(name, value) or "" for name, value in values.items()}


def summary(case: Case, *, user: User, labels: Labels) -> CaseSummary:
    clear = shows_personal_data(case, user)
    personal = _personal(case, clear)
    return CaseSummary(
        id=case.id, number=case.number or "",
        channel=Channel(case.channel), status=Status(case.status),
        caller_name=personal["caller_name"], caller_phone=personal["caller_phone"],
        service_line=labels.line(case.service_line), category=labels.category(case.category_id),
        assigned_user_id=case.assigned_user_id, created_at=case.created_at,
        updated_at=case.updated_at, follow_up_at=case.follow_up_at,
        personal_data_masked=not clear,
    )  # fmt: skip


async def detail(session: AsyncSession, case: Case, *, user: User) -> CaseOut:
    """The whole case with its referrals, calls and attachments."""
    labels = await Labels.load(session)
    head = summary(case, user=user, labels=labels)
    personal = _personal(case, not head.personal_data_masked)

    async def rows(model: type[Referral] | type[CaseCall] | type[Attachment]) -> list[object]:
        stmt = select(model).where(model.case_id == case.id).order_by(model.id)
        return list((await session.scalars(stmt)).all())

    return CaseOut(
        **head.model_dump(exclude={"caller_name", "caller_phone"}),
        caller_name=personal["caller_name"], caller_phone=personal["caller_phone"],
        caller_email=personal["caller_email"],
        caller_national_id=personal["caller_national_id"],
        description=case.description, amount_lost=case.amount_lost, shop_name=case.shop_name,
        platform=case.platform, url=case.url, resolution=case.resolution,
        fcr_flag=case.fcr_flag, success_flag=case.success_flag,
        created_by_user_id=case.created_by_user_id, closed_at=case.closed_at,
        allowed_next=[] if case.voided_at else workflow.allowed_next(Status(case.status)),
        voided_at=case.voided_at, void_reason=case.void_reason,
        referrals=[ReferralOut.model_validate(r) for r in await rows(Referral)],
        calls=[CallOut.model_validate(c) for c in await rows(CaseCall)],
        attachments=[AttachmentOut.model_validate(a) for a in await rows(Attachment)],
    )  # fmt: skip


def trail(entries: Sequence[CaseAuditEntry], case: Case, *, user: User) -> list[AuditOut]:
    """The audit trail, personal values masked like the case itself."""
    clear = shows_personal_data(case, user)
    out = []
    for e in entries:
        old, new = e.old, e.new
        if not clear and e.field in privacy.PERSONAL_FIELDS:
            old, new = privacy.mask(e.field, old), privacy.mask(e.field, new)
        out.append(AuditOut(at=e.at, user_id=e.user_id, username=e.username, field=e.field,
                            old=old, new=new))  # fmt: skip
    return out
