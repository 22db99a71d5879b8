"""Case rules: create, read, change (audited), link calls, refer, find a caller's cases.

Callers own the transaction. Other domains use these functions, e.g. the agent desk:
`case_service.create(session=..., case_in=..., user=...)`,
`case_service.for_caller(session=..., phone=...)`, `case_service.link_call(...)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import audit, privacy, search, taxonomy, workflow
from callcenter.cases.errors import CaseVoided, UnknownUser
from callcenter.cases.models import Case, CaseCall, Category, Channel, ServiceLine, Status
from callcenter.cases.referrals import add_referral
from callcenter.cases.schemas import CallLinkIn, CaseCreate, CaseUpdate
from callcenter.errors import Forbidden, NotFound
from callcenter.users.models import Role, User

BANGKOK = ZoneInfo("Asia/Bangkok")
# Fields copied as sent; None means "empty" for text fields.
TEXT_FIELDS = (
    "caller_name", "caller_phone", "caller_email", "caller_national_id", "description",
    "shop_name", "platform", "url", "resolution",
)  # fmt: skip
FLAG_FIELDS = ("fcr_flag", "success_flag")
MANAGERS = (Role.supervisor, Role.admin)


async def create(
    *, session: AsyncSession, case_in: CaseCreate, user: User, now: datetime | None = None
) -> Case:
    """Open a case (status new, or a status reachable from new), audited field by field."""
    now = now or datetime.now(UTC)
    line = await taxonomy.service_line(session=session, code=case_in.service_line)
    cat = await _category(session, line.code, case_in.category)
    workflow.check(current=Status.new, target=case_in.status, resolution=case_in.resolution or "")
    case = Case(
        channel=case_in.channel.value, status=Status.new.value, service_line=line.code,
        category_id=cat.id if cat else None, amount_lost=case_in.amount_lost,
        assigned_user_id=await _assignee(session, user, case_in.assigned_user_id),
        created_by_user_id=user.id, created_at=now, updated_at=now, search_doc="",
        follow_up_at=case_in.follow_up_at,
    )  # fmt: skip
    for name in TEXT_FIELDS:
        setattr(case, name, getattr(case_in, name) or "")
    for name in FLAG_FIELDS:
        setattr(case, name, bool(getattr(case_in, name)))
    case.caller_phone_norm = privacy.normalise_phone(case.caller_phone)
    session.add(case)
    await session.flush()
    case.number = f"1212-{now.astimezone(BANGKOK):%Y%m%d}-{case.id:06d}"
    _audit_created(session, case, user, now, category=cat)
    if case_in.status != Status.new:
        _set_status(session, case, case_in.status, user, now)
    for referral_in in case_in.referrals:
        await add_referral(session=session, case=case, referral_in=referral_in, user=user, now=now)
    if case_in.call is not None:
        await link_call(session=session, case=case, call=case_in.call, user=user, now=now)
    await refresh_search(session=session, case=case)
    return case


async def update(
    *,
    session: AsyncSession,
    case: Case,
    changes: CaseUpdate,
    user: User,
    now: datetime | None = None,
) -> Case:
    """Apply the fields sent; every changed field goes to the audit trail."""
    now = now or datetime.now(UTC)
    data: dict[str, Any] = changes.model_dump(exclude_unset=True)
    await _change_taxonomy(session, case, data, user, now)
    if "assigned_user_id" in data:
        assigned = await _assignee(session, user, data["assigned_user_id"], reassign=True)
        _set(session, case, "assigned_user_id", assigned, user, now)
    for name in (*TEXT_FIELDS, *FLAG_FIELDS, "amount_lost", "channel", "follow_up_at"):
        if name in data:
            _set_field(session, case, name, data[name], user, now)
    case.caller_phone_norm = privacy.normalise_phone(case.caller_phone)
    if data.get("status") is not None:
        target = Status(data["status"])
        workflow.check(current=Status(case.status), target=target, resolution=case.resolution)
        _set_status(session, case, target, user, now)
    case.updated_at = now
    await refresh_search(session=session, case=case)
    return case


async def visible(
    *, session: AsyncSession, case_id: int, user: User, agents_read_all: bool
) -> Case:
    """The case if this user may read it: NotFound, or Forbidden for another agent's case."""
    case = await session.get(Case, case_id)
    if case is None or (case.voided_at is not None and user.role not in MANAGERS):
        raise NotFound(f"no case {case_id}", case_id=case_id)
    if user.role == Role.agent and not agents_read_all and not is_own(case, user):
        raise Forbidden("This case belongs to another agent.", case_id=case_id)
    return case


def check_editable(case: Case, user: User) -> None:
    """Agents change the cases assigned to them, supervisors and admins any; QA only reads;
    nobody a voided case."""
    if case.voided_at is not None:
        raise CaseVoided("This case was voided. / เรื่องนี้ถูกยกเลิกแล้ว", case_id=case.id)
    holder = case.assigned_user_id if case.assigned_user_id is not None else case.created_by_user_id
    if user.role in MANAGERS or (user.role == Role.agent and holder == user.id):
        return
    raise Forbidden("You cannot change this case.", case_id=case.id, role=user.role.value)


def is_own(case: Case, user: User) -> bool:
    """Assigned to the user, or opened by them (who keeps reading it after a reassignment)."""
    return privacy.owns(
        user, assigned_user_id=case.assigned_user_id, created_by_user_id=case.created_by_user_id
    )


async def link_call(
    *, session: AsyncSession, case: Case, call: CallLinkIn, user: User, now: datetime | None = None
) -> CaseCall:
    """Link a call (by linkedid) and maybe its recording; linking it again fills in gaps."""
    now = now or datetime.now(UTC)
    stmt = select(CaseCall).where(CaseCall.case_id == case.id, CaseCall.linkedid == call.linkedid)
    link = (await session.scalars(stmt)).one_or_none()
    if link is None:
        link = CaseCall(case_id=case.id, linkedid=call.linkedid, linked_at=now)
        session.add(link)
        audit.record(session=session, case_id=case.id, user=user, at=now, field="call",
                     old=None, new=call.linkedid)  # fmt: skip
    for name in ("call_id", "queue", "recording_id"):
        value = getattr(call, name)
        if value is not None and getattr(link, name) != value:
            if name == "recording_id":
                audit.record(session=session, case_id=case.id, user=user, at=now,
                             field="recording", old=link.recording_id, new=value)  # fmt: skip
            setattr(link, name, value)
    await session.flush()
    return link


async def for_caller(*, session: AsyncSession, phone: str, limit: int = 10) -> Sequence[Case]:
    """The caller's cases (by normalised number), newest first: the screen pop's history."""
    number = privacy.normalise_phone(phone)
    if not number:
        return []
    stmt = select(Case).where(Case.caller_phone_norm == number, Case.voided_at.is_(None))
    return (await session.scalars(stmt.order_by(Case.created_at.desc()).limit(limit))).all()


async def for_call(*, session: AsyncSession, linkedid: str) -> Sequence[Case]:
    """The cases linked to a call."""
    stmt = select(Case).join(CaseCall, CaseCall.case_id == Case.id).where(Case.voided_at.is_(None))
    return (await session.scalars(stmt.where(CaseCall.linkedid == linkedid))).all()


async def refresh_search(*, session: AsyncSession, case: Case) -> None:
    """Rebuild the case's search text (tokenising is CPU work: done in a thread)."""
    line = await session.get(ServiceLine, case.service_line)
    cat = await session.get(Category, case.category_id) if case.category_id else None
    parts = [
        case.number, case.caller_name, case.caller_phone, case.caller_email,
        case.description, case.shop_name, case.platform, case.url, case.resolution,
    ]  # fmt: skip
    for item in (line, cat):
        if item is not None:
            parts += [item.label_th, item.label_en]
    case.search_doc = await asyncio.to_thread(search.document, parts)
    await session.flush()


async def _category(session: AsyncSession, line: str, code: str | None) -> Category | None:
    if not code:
        return None
    return await taxonomy.category(session=session, service_line=line, code=code)


async def _assignee(
    session: AsyncSession, user: User, wanted: int | None, *, reassign: bool = False
) -> int | None:
    if wanted is None and not reassign:
        return user.id
    if (reassign or wanted != user.id) and user.role not in MANAGERS:
        raise Forbidden("Only supervisors assign cases.", role=user.role.value)
    if wanted is None:
        return None
    target = await session.get(User, wanted)
    if target is None or not target.active:
        raise UnknownUser(f"no active user {wanted}", user_id=wanted)
    return wanted


async def _change_taxonomy(
    session: AsyncSession, case: Case, data: dict[str, Any], user: User, now: datetime
) -> None:
    line_code = data.get("service_line") or case.service_line
    if line_code != case.service_line:
        await taxonomy.service_line(session=session, code=line_code)
        _set(session, case, "service_line", line_code, user, now)
    if "category" in data:
        cat = await _category(session, line_code, data["category"])
        await _set_category(session, case, cat, user, now)
    elif case.category_id is not None:
        current = await session.get(Category, case.category_id)
        if current is not None and current.service_line != line_code:
            await _set_category(session, case, None, user, now)  # it belonged to the old line


async def _set_category(
    session: AsyncSession, case: Case, cat: Category | None, user: User, now: datetime
) -> None:
    if case.category_id == (cat.id if cat else None):
        return
    old = await session.get(Category, case.category_id) if case.category_id else None
    audit.record(session=session, case_id=case.id, user=user, at=now, field="category",
                 old=old.code if old else None, new=cat.code if cat else None)  # fmt: skip
    case.category_id = cat.id if cat else None


def _set_field(
    session: AsyncSession, case: Case, name: str, value: object, user: User, now: datetime
) -> None:
    if value is None and name in (*FLAG_FIELDS, "channel"):
        return  # null means "unchanged" for flags and the channel
    if value is None and name in TEXT_FIELDS:
        value = ""  # null clears a text field
    _set(session, case, name, value.value if isinstance(value, Channel) else value, user, now)


def _set(
    session: AsyncSession, case: Case, name: str, value: object, user: User, now: datetime
) -> None:
    old = getattr(case, name)
    if old == value:
        return
    audit.record(
        session=session, case_id=case.id, user=user, at=now, field=name, old=old, new=value
    )
    setattr(case, name, value)


def _set_status(
    session: AsyncSession, case: Case, target: Status, user: User, now: datetime
) -> None:
    if case.status == target.value:
        return
    _set(session, case, "status", target.value, user, now)
    if target in workflow.DONE:
        case.closed_at = case.closed_at or now
    else:
        case.closed_at = None  # reopened


def _audit_created(
    session: AsyncSession, case: Case, user: User, now: datetime, *, category: Category | None
) -> None:
    audit.record(session=session, case_id=case.id, user=user, at=now, field="case",
                 old=None, new=case.number)  # fmt: skip
    initial = {
        "status": case.status, "channel": case.channel, "service_line": case.service_line,
        "category": category.code if category else None,
        "assigned_user_id": case.assigned_user_id, "amount_lost": case.amount_lost,
    }  # fmt: skip
    initial |= {name: getattr(case, name) for name in (*TEXT_FIELDS, *FLAG_FIELDS)}
    for name, value in initial.items():
        if value not in (None, "", False):
            audit.record(session=session, case_id=case.id, user=user, at=now, field=name,
                         old=None, new=value)  # fmt: skip


async def void(
    *, session: AsyncSession, case: Case, user: User, reason: str, now: datetime | None = None
) -> None:
    """Void the case (supervisors, admins): kept, audited, hidden from lists and KPIs."""
    if user.role not in MANAGERS:
        raise Forbidden("Only supervisors and admins void cases.", role=user.role.value)
    check_editable(case, user)  # a voided case cannot be voided again
    now = now or datetime.now(UTC)
    case.voided_at, case.voided_by_user_id, case.void_reason = now, user.id, reason
    case.updated_at = now
    audit.record(session=session, case_id=case.id, user=user, at=now, field="void",
                 old=None, new=reason)  # fmt: skip
    await session.flush()


def keyed_number(digits: str) -> str | None:
    """The case number a caller keyed on the phone (the digits of 1212-YYYYMMDD-NNNNNN, with or
    without the leading 1212), as cases store it; None when the digits cannot be one."""
    if not digits.isdigit():
        return None
    if len(digits) == 14:
        digits = "1212" + digits
    if len(digits) != 18 or not digits.startswith("1212"):
        return None
    return f"{digits[:4]}-{digits[4:12]}-{digits[12:]}"


async def status_by_keyed_number(*, session: AsyncSession, digits: str) -> str | None:
    """The IVR's "track an existing complaint": the status of the case whose number the caller
    keyed, else None (no such case, or voided). Read-only; nothing about the caller or the
    complaint leaves this function but the status."""
    number = keyed_number(digits)
    if number is None:
        return None
    found = await session.execute(
        select(Case.status).where(Case.number == number, Case.voided_at.is_(None))
    )
    status = found.scalar()
    return str(status) if status is not None else None
