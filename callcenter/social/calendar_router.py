"""`/api/v1/social/calendar`: the content calendar (supervisors and admins draft; a supervisor
other than the author approves), its files in S3, and the results fetched back;
`/api/v1/social/digests`: the weekly news digest (built, edited, sent);
`/api/v1/social/reports`: the monthly publishing reports (built when due or on request)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, InvalidInput, NotFound, errors
from callcenter.reports.router import FILE
from callcenter.services import S3Dep, ServicesDep, SessionsDep, SettingsDep
from callcenter.social import assets, digest, report
from callcenter.social import calendar as cal
from callcenter.social.errors import AssetRefused
from callcenter.social.models import PublishingReport
from callcenter.social.publishing import Publishing
from callcenter.users.deps import require_roles
from callcenter.users.models import Role, User
from callcenter.validation import Id4

router = APIRouter(
    prefix="/api/v1/social/calendar", tags=["social"], responses=errors(*SIGNED_IN, *CHANGES)
)
Desk = Annotated[User, Depends(require_roles(Role.supervisor))]  # and admins
ASSET_TYPES = {"image/jpeg", "image/png", "image/gif", "video/mp4", "video/quicktime"}
Month = Annotated[
    str | None, Query(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM, 2000 to 2099")
]


def publishing(parts: ServicesDep) -> Publishing | None:
    return parts.social_publishing


PublishingDep = Annotated[Publishing | None, Depends(publishing)]


class SendBack(BaseModel):
    note: str = Field(default="", max_length=1000)


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("", response_model=cal.MonthOut)
async def month(_: Desk, sessions: SessionsDep, settings: SettingsDep, month: Month = None) -> Any:
    """A month's items (Asia/Bangkok) with the targets: posts and videos published."""
    async with sessions() as session:
        return await cal.month(
            session=session, settings=settings, name=month or cal.month_of(_now())
        )


@router.post("", response_model=cal.ContentOut, status_code=status.HTTP_201_CREATED)
async def create(body: cal.ContentIn, user: Desk, sessions: SessionsDep) -> Any:
    async with transaction(sessions) as session:
        return await cal.create(session=session, item=body, user=user, now=_now())


@router.patch("/{content_id}", response_model=cal.ContentOut)
async def edit(
    content_id: Id4, body: cal.ContentUpdate, user: Desk, sessions: SessionsDep,
    publisher: PublishingDep,
) -> Any:  # fmt: skip
    """Any change takes an approved item back to draft (approval again)."""
    async with transaction(sessions) as session:
        row = await cal.edit(session=session, content_id=content_id, change=body, user=user,
                             now=_now())  # fmt: skip
    if publisher is not None:
        await publisher.planned(content_id, None)
    return row


@router.post("/{content_id}/approve", response_model=cal.ContentOut)
async def approve(
    content_id: Id4, user: Desk, sessions: SessionsDep, publisher: PublishingDep
) -> Any:
    async with transaction(sessions) as session:
        row = await cal.approve(session=session, content_id=content_id, user=user, now=_now())
    if publisher is not None:
        await publisher.planned(content_id, row.planned_at)
    return row


@router.post("/{content_id}/send-back", response_model=cal.ContentOut)
async def send_back(
    content_id: Id4, body: SendBack, user: Desk, sessions: SessionsDep, publisher: PublishingDep
) -> Any:
    async with transaction(sessions) as session:
        row = await cal.send_back(session=session, content_id=content_id, user=user, now=_now(),
                                  note=body.note)  # fmt: skip
    if publisher is not None:
        await publisher.planned(content_id, None)
    return row


@router.delete("/{content_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(
    content_id: Id4, user: Desk, sessions: SessionsDep, publisher: PublishingDep
) -> Response:
    async with transaction(sessions) as session:
        await cal.remove(session=session, content_id=content_id, user=user)
    if publisher is not None:
        await publisher.planned(content_id, None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes; its Content-Type says what it is (one of these; "
        "application/octet-stream and any other type is refused)",
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}}
            for t in ("application/octet-stream", *sorted(ASSET_TYPES))
        },
    }
}


@router.put("/{content_id}/asset", response_model=cal.ContentOut, openapi_extra=UPLOAD_BODY)
async def put_asset(
    content_id: Id4, request: Request, user: Desk, sessions: SessionsDep, settings: SettingsDep,
    s3: S3Dep, filename: Annotated[str, Query(min_length=1, max_length=255)],
) -> Any:  # fmt: skip
    """The item's picture or video (the request body), kept in S3; the item goes back to
    draft (approval again)."""
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind not in ASSET_TYPES:
        raise AssetRefused("A JPEG, PNG or GIF picture, or an MP4 video · "
                           "รับเฉพาะรูป JPEG PNG GIF หรือวิดีโอ MP4", content_type=kind)  # fmt: skip
    most = settings.social_asset_max_bytes
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            raise AssetRefused("The file is too large · ไฟล์ใหญ่เกินไป", most_bytes=most)
        chunks.append(chunk)
    if not size:
        raise AssetRefused("The file is empty · ไฟล์ว่าง")
    async with sessions() as session:
        cal.editable(await cal.get(session, content_id))
    data = b"".join(chunks)
    key = await asyncio.to_thread(assets.put, s3, settings, content_id, filename, kind, data)
    async with transaction(sessions) as session:
        return await cal.attach(session=session, content_id=content_id, user=user, now=_now(),
                                key=key, name=filename, content_type=kind, size=size)  # fmt: skip


ASSET_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The item's picture or video as uploaded",
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(ASSET_TYPES)
        },
    }
}


@router.get("/{content_id}/asset", response_model=None, responses=ASSET_FILE)
async def get_asset(
    content_id: Id4, _: Desk, sessions: SessionsDep, settings: SettingsDep, s3: S3Dep
) -> Response:
    async with sessions() as session:
        row = await cal.get(session, content_id)
    if not row.asset_key:
        raise AssetRefused("This item has no file · รายการนี้ไม่มีไฟล์")
    data = await asyncio.to_thread(assets.get, s3, settings, row.asset_key)
    return Response(content=data, media_type=row.asset_type)


@router.post("/results", response_model=dict[str, int])
async def refresh_results(_: Desk, publisher: PublishingDep) -> Any:
    """Fetch reach, reactions and shares of lately published items now."""
    if publisher is None:
        return {"fetched": 0}
    return {"fetched": await publisher.fetch_results(_now())}


digests = APIRouter(
    prefix="/api/v1/social/digests", tags=["social"], responses=errors(*SIGNED_IN, *CHANGES)
)
Week = Annotated[date | None, Query(description="the week's Monday; default: last full week")]


@digests.get("", response_model=list[digest.DigestOut])
async def list_digests(_: Desk, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        return await digest.recent(session)


@digests.post("", response_model=digest.DigestOut, status_code=status.HTTP_201_CREATED)
async def build_digest(
    user: Desk, sessions: SessionsDep, settings: SettingsDep, week: Week = None
) -> Any:
    """Build (or build again) a week's draft from its news and most engaging posts."""
    start = week or digest.week_of(_now())
    if start.weekday() != 0:
        raise InvalidInput("A week starts on a Monday · สัปดาห์เริ่มวันจันทร์", week=str(start))
    async with transaction(sessions) as session:
        return await digest.build(session=session, settings=settings, week_start=start,
                                  now=_now(), user=user)  # fmt: skip


@digests.patch("/{digest_id}", response_model=digest.DigestOut)
async def edit_digest(
    digest_id: Id4, body: digest.DigestUpdate, user: Desk, sessions: SessionsDep
) -> Any:
    async with transaction(sessions) as session:
        return await digest.edit(session=session, digest_id=digest_id, change=body, user=user,
                                 now=_now())  # fmt: skip


@digests.post("/{digest_id}/send", response_model=digest.DigestOut)
async def send_digest(
    digest_id: Id4, user: Desk, sessions: SessionsDep, settings: SettingsDep,
    publisher: PublishingDep,
) -> Any:  # fmt: skip
    """E-mail it and broadcast its news on LINE; an error is shown and sending again retries
    only what did not go out."""
    line = publisher.line if publisher is not None else None
    return await digest.send(sessions=sessions, settings=settings, digest_id=digest_id,
                             user=user, now=_now(), line=line)  # fmt: skip


reports = APIRouter(
    prefix="/api/v1/social/reports", tags=["social"], responses=errors(*SIGNED_IN, *CHANGES)
)
Lang = Annotated[str, Query(pattern="^(th|en)$")]


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    month: str
    lang: str
    revision: int
    trigger: str
    files: list[dict[str, Any]]
    built_at: datetime
    built_by: str
    emailed_at: datetime | None


@reports.get("", response_model=list[ReportOut])
async def list_reports(_: Desk, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        stmt = select(PublishingReport).order_by(PublishingReport.id.desc()).limit(50)
        return (await session.scalars(stmt)).all()


@reports.post("", response_model=ReportOut, status_code=status.HTTP_201_CREATED)
async def build_report(
    user: Desk, sessions: SessionsDep, settings: SettingsDep, s3: S3Dep, month: Month = None,
    lang: Lang = "th",
) -> Any:  # fmt: skip
    """Build a month's publishing report now (default: last month), Thai or English."""
    name = month or report.previous_month(_now())
    return await report.build(sessions=sessions, settings=settings, s3=s3, month=name, lang=lang,
                              now=_now(), trigger="request", by=user.username)  # fmt: skip


@reports.get("/{report_id}/files/{name}", response_model=None, responses=FILE)
async def report_file(
    report_id: Id4, name: Annotated[str, Path(max_length=120)], _: Desk, sessions: SessionsDep,
    settings: SettingsDep, s3: S3Dep,
) -> Response:  # fmt: skip
    async with sessions() as session:
        row = await session.get(PublishingReport, report_id)
    found = next((f for f in (row.files if row else []) if f["name"] == name), None)
    if found is None:
        raise NotFound("No such report file · ไม่พบไฟล์รายงาน", report_id=report_id, name=name)
    data = await asyncio.to_thread(assets.get, s3, settings, found["key"])
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(content=data, media_type=found["content_type"],
                    headers={"Content-Disposition": disposition})  # fmt: skip
