"""The content calendar: planned posts and videos, targets a month, approval, audit.

A supervisor or admin drafts an item (title, text, Facebook and/or LINE, when); another
supervisor approves it (never their own: four eyes); editing it afterwards takes it back
to draft. Publishing (callcenter.social.publishing) takes it from approved on. Every
change is written to social_audit. Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.config import Settings
from callcenter.errors import NotFound
from callcenter.social.analysis import BANGKOK
from callcenter.social.errors import ContentLocked, ContentNotDraft, OwnContent
from callcenter.social.models import Content
from callcenter.social.service import audit
from callcenter.users.models import User
from callcenter.validation import InputModel

Kind = Literal["post", "video"]
ChannelName = Literal["facebook", "line"]
EDITABLE = ("draft", "approved", "failed")  # handed to Facebook or out: no more changes
FIELDS = ("kind", "title", "body", "channels", "planned_at")


class ContentIn(InputModel):
    kind: Kind = "post"
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    channels: list[ChannelName] = Field(default=["facebook", "line"], min_length=1, max_length=2)
    planned_at: AwareDatetime = Field(description="when it goes out; ISO time with its offset")


class ContentUpdate(InputModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=5000)
    channels: list[ChannelName] | None = Field(default=None, min_length=1, max_length=2)
    planned_at: AwareDatetime | None = None


class ContentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    channels: list[str]
    planned_at: datetime
    status: str
    asset_name: str | None
    asset_type: str | None
    created_by: int | None
    approved_by: int | None
    approved_at: datetime | None
    facebook_post_id: str | None
    published_at: datetime | None
    error: str
    reach: int | None
    reactions: int | None
    shares: int | None
    results_at: datetime | None


class Target(BaseModel):
    planned: int  # not failed
    published: int
    least: int
    most: int | None
    met: bool  # published within the target


class MonthOut(BaseModel):
    month: str  # YYYY-MM (Asia/Bangkok)
    posts: Target
    videos: Target
    items: list[ContentOut]


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, number = (int(x) for x in month.split("-"))
    first = datetime(year, number, 1, tzinfo=BANGKOK)
    after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BANGKOK)
    return first, after


def month_of(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        moment = moment.astimezone(BANGKOK).date()
    return f"{moment.year:04d}-{moment.month:02d}"


async def month(*, session: AsyncSession, settings: Settings, name: str) -> MonthOut:
    first, after = month_bounds(name)
    stmt = select(Content).where(Content.planned_at >= first, Content.planned_at < after)
    items = (await session.scalars(stmt.order_by(Content.planned_at, Content.id))).all()

    def target(kind: str, least: int, most: int | None) -> Target:
        mine = [c for c in items if c.kind == kind]
        published = sum(c.status == "published" for c in mine)
        met = published >= least and (most is None or published <= most)
        planned = sum(c.status != "failed" for c in mine)
        return Target(planned=planned, published=published, least=least, most=most, met=met)

    return MonthOut(
        month=name, items=[ContentOut.model_validate(c) for c in items],
        posts=target("post", settings.social_posts_target, None),
        videos=target("video", settings.social_videos_target, settings.social_videos_most),
    )  # fmt: skip


async def get(session: AsyncSession, content_id: int, *, lock: bool = False) -> Content:
    stmt = select(Content).where(Content.id == content_id)
    row = (await session.scalars(stmt.with_for_update() if lock else stmt)).first()
    if row is None:
        raise NotFound("No such calendar item · ไม่พบรายการในปฏิทิน", content_id=content_id)
    return row


def _snapshot(row: Content) -> dict[str, Any]:
    out = {f: getattr(row, f) for f in FIELDS}
    out["planned_at"] = row.planned_at.isoformat()
    return out


async def create(*, session: AsyncSession, item: ContentIn, user: User, now: datetime) -> Content:
    row = Content(
        kind=item.kind, title=item.title, body=item.body, channels=sorted(set(item.channels)),
        planned_at=item.planned_at, status="draft", created_by=user.id, error="",
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    audit(session=session, user=user, action="content_created", target=f"content:{row.id}",
          detail=_snapshot(row))  # fmt: skip
    return row


async def edit(
    *, session: AsyncSession, content_id: int, change: ContentUpdate, user: User, now: datetime
) -> Content:
    row = await get(session, content_id, lock=True)
    editable(row)
    before = _snapshot(row)
    for name, value in change.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, name, sorted(set(value)) if name == "channels" else value)
    if _snapshot(row) != before or row.status != "draft":
        row.status, row.approved_by, row.approved_at, row.error = "draft", None, None, ""
    row.updated_at = now
    audit(session=session, user=user, action="content_updated", target=f"content:{row.id}",
          detail={"before": before, "after": _snapshot(row)})  # fmt: skip
    return row


def editable(row: Content) -> None:
    if row.status not in EDITABLE:
        raise ContentLocked(
            f"It is {row.status} already · รายการนี้{_STATUS_TH[row.status]}แล้ว แก้ไม่ได้",
            status=row.status,
        )


_STATUS_TH = {"scheduled": "ตั้งเวลาเผยแพร่", "published": "เผยแพร่", "draft": "เป็นร่าง",
              "approved": "อนุมัติ", "failed": "ล้มเหลว"}  # fmt: skip


async def approve(*, session: AsyncSession, content_id: int, user: User, now: datetime) -> Content:
    row = await get(session, content_id, lock=True)
    if row.status != "draft":
        raise ContentNotDraft(f"Only a draft is approved; this is {row.status} · "
                              "อนุมัติได้เฉพาะฉบับร่าง", status=row.status)  # fmt: skip
    if row.created_by == user.id:
        raise OwnContent("Another supervisor approves what you wrote · "
                         "ต้องให้หัวหน้างานคนอื่นอนุมัติงานของตนเอง")  # fmt: skip
    row.status, row.approved_by, row.approved_at, row.updated_at = "approved", user.id, now, now
    audit(session=session, user=user, action="content_approved", target=f"content:{row.id}",
          detail=_snapshot(row))  # fmt: skip
    return row


async def send_back(
    *, session: AsyncSession, content_id: int, user: User, now: datetime, note: str
) -> Content:
    """An approved (not yet handed over) or failed item back to draft, with the reason."""
    row = await get(session, content_id, lock=True)
    editable(row)
    row.status, row.approved_by, row.approved_at, row.updated_at = "draft", None, None, now
    audit(session=session, user=user, action="content_sent_back", target=f"content:{row.id}",
          detail={"note": note})  # fmt: skip
    return row


async def remove(*, session: AsyncSession, content_id: int, user: User) -> Content:
    row = await get(session, content_id, lock=True)
    editable(row)
    audit(session=session, user=user, action="content_deleted", target=f"content:{row.id}",
          detail=_snapshot(row))  # fmt: skip
    await session.delete(row)
    return row


async def attach(
    *, session: AsyncSession, content_id: int, user: User, now: datetime, key: str, name: str,
    content_type: str, size: int,
) -> Content:  # fmt: skip
    row = await get(session, content_id, lock=True)
    editable(row)
    row.asset_key, row.asset_name, row.asset_type, row.updated_at = key, name, content_type, now
    row.status, row.approved_by, row.approved_at = "draft", None, None
    audit(session=session, user=user, action="content_asset", target=f"content:{row.id}",
          detail={"name": name, "type": content_type, "size": size, "key": key})  # fmt: skip
    return row


async def published_between(
    session: AsyncSession, first: datetime, after: datetime
) -> Sequence[Content]:
    stmt = select(Content).where(Content.planned_at >= first, Content.planned_at < after)
    return (await session.scalars(stmt.order_by(Content.planned_at))).all()
