"""`/api/v1/cases`: complaint cases (create, read, change, search, audit, files, calls)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import attachments, audit, present, privacy, query, referrals
from callcenter.cases import service as case_service
from callcenter.cases.deps import Reader, Worker
from callcenter.cases.errors import AttachmentTooLarge, PersonalDataForbidden
from callcenter.cases.models import Case, Status
from callcenter.cases.schemas import (
    AttachmentOut,
    AuditOut,
    CallLinkIn,
    CaseCreate,
    CaseOut,
    CaseSummary,
    CaseUpdate,
    ReferralIn,
    ReferralOut,
    ReferralUpdate,
    SearchOut,
    VoidIn,
)
from callcenter.cases.taxonomy_router import router as taxonomy_router
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, InvalidInput, errors
from callcenter.services import S3Dep, SessionsDep, SettingsDep
from callcenter.users.models import User
from callcenter.validation import Id8, Int4, Moment, Offset

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=errors(*SIGNED_IN, *CHANGES))
router.include_router(taxonomy_router)
CREATED = status.HTTP_201_CREATED


@router.post("/cases", response_model=CaseOut, status_code=CREATED)
async def create_case(body: CaseCreate, user: Worker, sessions: SessionsDep) -> Any:
    """Open a case (optionally with its call, referrals and a first status)."""
    async with transaction(sessions) as session:
        case = await case_service.create(session=session, case_in=body, user=user)
        return await present.detail(session, case, user=user)


@router.get("/cases", response_model=SearchOut)
async def search_cases(
    user: Reader,
    sessions: SessionsDep,
    settings: SettingsDep,
    q: Annotated[
        str | None, Query(max_length=500, description="Free text, Thai or English")
    ] = None,
    number: str | None = None,
    name: str | None = None,
    phone: str | None = None,
    service_line: str | None = None,
    category: str | None = None,
    case_status: Annotated[list[Status] | None, Query(alias="status")] = None,
    start: Annotated[Moment | None, Query(alias="from")] = None,
    end: Annotated[Moment | None, Query(alias="to")] = None,
    assigned_user_id: Int4 | None = None,
    follow_up_due: Annotated[
        bool, Query(description="Only follow-ups due now (not resolved or closed)")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Offset, Query(ge=0)] = 0,
) -> Any:
    """Cases matching every filter given, newest first (agents: their own unless configured).

    Name, phone and free text are for users who see every reachable case's personal data
    (403 personal_data_forbidden for QA, and for agents when they read all cases)."""
    personal = any(v and v.strip() for v in (q, name, phone))
    if personal and not privacy.may_search_personal_data(
        user, agents_read_all=settings.cases_agents_read_all
    ):
        raise PersonalDataForbidden(
            "Searching by name, phone or free text needs the right to see personal data. / "
            "การค้นหาด้วยชื่อ เบอร์โทร หรือข้อความ ต้องมีสิทธิ์ดูข้อมูลส่วนบุคคล",
            role=user.role.value,
        )
    filters = query.Filters(
        q=q, number=number, name=name, phone=phone, service_line=service_line,
        category=category, statuses=tuple(case_status or ()), start=start, end=end,
        assigned_user_id=assigned_user_id, limit=limit, offset=offset,
        follow_up_due=datetime.now(UTC) if follow_up_due else None,
    )  # fmt: skip
    async with sessions() as session:
        total, rows = await query.run(
            session=session, filters=filters, user=user,
            agents_read_all=settings.cases_agents_read_all,
        )  # fmt: skip
        labels = await present.Labels.load(session)
    return SearchOut(
        total=total, items=[present.summary(c, user=user, labels=labels) for c in rows]
    )


@router.get("/cases/by-caller", response_model=list[CaseSummary])
async def cases_by_caller(
    phone: str, user: Worker, sessions: SessionsDep, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> Any:
    """A caller's previous cases (the screen pop), newest first."""
    async with sessions() as session:
        rows = await case_service.for_caller(session=session, phone=phone, limit=limit)
        labels = await present.Labels.load(session)
    return [present.summary(c, user=user, labels=labels) for c in rows]


@router.get("/cases/{case_id}", response_model=CaseOut)
async def read_case(
    case_id: Id8, user: Reader, sessions: SessionsDep, settings: SettingsDep
) -> Any:
    async with sessions() as session:
        case = await _visible(session, case_id, user, settings)
        return await present.detail(session, case, user=user)


@router.patch("/cases/{case_id}", response_model=CaseOut)
async def update_case(
    case_id: Id8, body: CaseUpdate, user: Worker, sessions: SessionsDep, settings: SettingsDep
) -> Any:
    """Change fields or status (invalid moves: 422 invalid_status_transition); audited."""
    async with transaction(sessions) as session:
        case = await _editable(session, case_id, user, settings)
        await case_service.update(session=session, case=case, changes=body, user=user)
        return await present.detail(session, case, user=user)


@router.post("/cases/{case_id}/void", response_model=CaseOut)
async def void_case(
    case_id: Id8, body: VoidIn, user: Worker, sessions: SessionsDep, settings: SettingsDep
) -> Any:
    """Void a case (supervisors, admins): kept with its audit trail, gone from lists, screen
    pops and KPIs; nobody changes it afterwards (409 case_voided)."""
    async with transaction(sessions) as session:
        case = await _visible(session, case_id, user, settings)
        await case_service.void(session=session, case=case, user=user, reason=body.reason)
        return await present.detail(session, case, user=user)


@router.get("/cases/{case_id}/audit", response_model=list[AuditOut])
async def case_audit(
    case_id: Id8, user: Reader, sessions: SessionsDep, settings: SettingsDep
) -> Any:
    """Every change of the case: who, when, which field, old and new value."""
    async with sessions() as session:
        case = await _visible(session, case_id, user, settings)
        entries = await audit.trail(session=session, case_id=case.id)
    return present.trail(entries, case, user=user)


@router.post("/cases/{case_id}/calls", response_model=CaseOut)
async def link_call(
    case_id: Id8, body: CallLinkIn, user: Worker, sessions: SessionsDep, settings: SettingsDep
) -> Any:
    """Link a call (Asterisk linkedid) and optionally its recording to the case."""
    async with transaction(sessions) as session:
        case = await _editable(session, case_id, user, settings)
        await case_service.link_call(session=session, case=case, call=body, user=user)
        return await present.detail(session, case, user=user)


@router.post("/cases/{case_id}/referrals", response_model=ReferralOut, status_code=CREATED)
async def add_referral(
    case_id: Id8, body: ReferralIn, user: Worker, sessions: SessionsDep, settings: SettingsDep
) -> Any:
    async with transaction(sessions) as session:
        case = await _editable(session, case_id, user, settings)
        return await referrals.add_referral(session=session, case=case, referral_in=body, user=user)


@router.patch("/cases/{case_id}/referrals/{referral_id}", response_model=ReferralOut)
async def update_referral(
    case_id: Id8,
    referral_id: Id8,
    body: ReferralUpdate,
    user: Worker,
    sessions: SessionsDep,
    settings: SettingsDep,
) -> Any:
    """Mark a referral returned by the agency (date and note)."""
    async with transaction(sessions) as session:
        case = await _editable(session, case_id, user, settings)
        return await referrals.update_referral(
            session=session, case=case, referral_id=referral_id, changes=body, user=user
        )


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes; its Content-Type is kept (a media type, <=255 chars)",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}  # fmt: skip


@router.post(
    "/cases/{case_id}/attachments",
    response_model=AttachmentOut,
    status_code=CREATED,
    openapi_extra=UPLOAD_BODY,
)
async def upload_attachment(
    case_id: Id8,
    filename: Annotated[str, Query(min_length=1, max_length=255)],
    request: Request,
    user: Worker,
    sessions: SessionsDep,
    settings: SettingsDep,
    s3: S3Dep,
) -> Any:
    """The request body is the file (raw bytes; Content-Type is kept)."""
    content_type = request.headers.get("content-type") or "application/octet-stream"
    attachments.check_content_type(content_type)
    data = await _body(request, settings.case_attachment_max_bytes)
    async with transaction(sessions) as session:
        case = await _editable(session, case_id, user, settings)
        return await attachments.upload(
            session=session, s3=s3, settings=settings, case=case, user=user,
            filename=filename, content_type=content_type, data=data,
        )  # fmt: skip


# Served as stored only when a browser cannot run it; anything else is plain bytes to save.
SAFE_TYPES = ("image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain")
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, always as a download (Content-Disposition: attachment)",
        "content": {t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("application/octet-stream", *SAFE_TYPES)},
    }
}  # fmt: skip


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}", response_class=Response, responses=DOWNLOAD
)
async def download_attachment(
    case_id: Id8,
    attachment_id: Id8,
    user: Reader,
    sessions: SessionsDep,
    settings: SettingsDep,
    s3: S3Dep,
) -> Response:
    async with sessions() as session:
        case = await _visible(session, case_id, user, settings)
        if not privacy.sees_personal_data(user, own=case_service.is_own(case, user)):
            raise PersonalDataForbidden(
                "Attachments hold personal data: not for this role. / "
                "ไฟล์แนบมีข้อมูลส่วนบุคคล บทบาทนี้เปิดไม่ได้",
                role=user.role.value,
            )
        found = await attachments.get(session=session, case=case, attachment_id=attachment_id)
    data = await attachments.download(s3=s3, attachment=found)
    disposition = f"attachment; filename*=UTF-8''{_quote(found.filename)}"
    kind = found.content_type.split(";")[0].strip().lower()
    media = kind if kind in SAFE_TYPES else "application/octet-stream"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media, headers=headers)


async def _visible(session: AsyncSession, case_id: int, user: User, settings: Settings) -> Case:
    return await case_service.visible(
        session=session, case_id=case_id, user=user, agents_read_all=settings.cases_agents_read_all
    )


async def _editable(session: AsyncSession, case_id: int, user: User, settings: Settings) -> Case:
    case = await _visible(session, case_id, user, settings)
    case_service.check_editable(case, user)
    return case


async def _body(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise AttachmentTooLarge(f"attachments are limited to {limit} bytes", limit=limit)
        chunks.append(chunk)
    if not size:
        raise InvalidInput("the attachment is empty")
    return b"".join(chunks)


def _quote(name: str) -> str:
    return quote(name, safe="")
