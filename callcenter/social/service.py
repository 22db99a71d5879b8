"""Social desk rules: keywords, sources, sentiment corrections, a mention made a case.

Every change is written to the append-only social_audit (who, when, what, before and
after). Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import service as case_service
from callcenter.cases.models import Channel
from callcenter.cases.schemas import CaseCreate
from callcenter.errors import NotFound
from callcenter.social import rollup
from callcenter.social.errors import KeywordExists, MentionHasCase, SourceExists
from callcenter.social.models import AuditEntry, Keyword, Label, Match, Mention, Source
from callcenter.social.schemas import (
    CaseFromMention,
    KeywordIn,
    KeywordUpdate,
    SourceIn,
    SourceUpdate,
)
from callcenter.social.sentiment import Sentiment
from callcenter.users.models import User

KEYWORD_FIELDS = ("keyword", "sub_keywords", "exclusions", "language", "active", "watch")
CASE_CHANNEL = {"facebook": Channel.facebook}  # the rest arrive as 'web'
PLATFORM = {"x": "X", "news": "News", "facebook": "Facebook", "youtube": "YouTube"}


def audit(
    *, session: AsyncSession, user: User, action: str, target: str, detail: dict[str, Any]
) -> None:
    session.add(AuditEntry(user_id=user.id, username=user.username, action=action,
                           target=target, detail=detail))  # fmt: skip


def _apply(
    *,
    session: AsyncSession,
    user: User,
    row: Keyword | Source,
    data: dict[str, Any],
    action: str,
    target: str,
) -> dict[str, list[Any]]:
    """Sets each field of `row` that `data` changes and audits `action` on `target` with each
    change as [before, after] (no entry when nothing changed); answers those changes."""
    diff = {k: [getattr(row, k), v] for k, v in data.items() if getattr(row, k) != v}
    for name, (_, new) in diff.items():
        setattr(row, name, new)
    if diff:
        audit(session=session, user=user, action=action, target=target, detail=diff)
    return diff


async def trail(*, session: AsyncSession, limit: int = 100) -> Sequence[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return (await session.scalars(stmt)).all()


async def keywords(*, session: AsyncSession) -> Sequence[Keyword]:
    return (await session.scalars(select(Keyword).order_by(Keyword.keyword))).all()


async def keyword(*, session: AsyncSession, keyword_id: int) -> Keyword:
    found = await session.get(Keyword, keyword_id)
    if found is None:
        raise NotFound(f"no keyword {keyword_id}", keyword_id=keyword_id)
    return found


async def add_keyword(
    *, session: AsyncSession, item: KeywordIn, user: User, now: datetime | None = None
) -> Keyword:
    now = now or datetime.now(UTC)
    await _check_free(session, item.keyword)
    row = Keyword(**item.model_dump(mode="json"), created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    audit(session=session, user=user, action="keyword_created", target=f"keyword:{row.id}",
          detail=item.model_dump(mode="json"))  # fmt: skip
    return row


async def edit_keyword(
    *, session: AsyncSession, row: Keyword, changes: KeywordUpdate, user: User
) -> Keyword:
    data = changes.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    if "keyword" in data and data["keyword"] != row.keyword:
        await _check_free(session, data["keyword"])
    if _apply(session=session, user=user, row=row, data=data, action="keyword_updated",
              target=f"keyword:{row.id}"):  # fmt: skip
        row.updated_at = datetime.now(UTC)
    await session.flush()
    return row


async def delete_keyword(*, session: AsyncSession, row: Keyword, user: User) -> None:
    detail = {name: getattr(row, name) for name in KEYWORD_FIELDS}
    audit(session=session, user=user, action="keyword_deleted", target=f"keyword:{row.id}",
          detail=detail)  # fmt: skip
    await session.delete(row)
    await session.flush()


async def _check_free(session: AsyncSession, text: str) -> None:
    if await session.scalar(select(Keyword.id).where(Keyword.keyword == text)) is not None:
        raise KeywordExists("This keyword exists already. / มีคำค้นนี้อยู่แล้ว", keyword=text)


async def mention(*, session: AsyncSession, mention_id: int) -> Mention:
    found = await session.get(Mention, mention_id)
    if found is None:
        raise NotFound(f"no mention {mention_id}", mention_id=mention_id)
    return found


async def relabel(*, session: AsyncSession, row: Mention, label: Sentiment, user: User) -> Mention:
    """Staff's sentiment replaces the classifier's; kept as a label for training."""
    now = datetime.now(UTC)
    session.add(Label(mention_id=row.id, previous=row.sentiment, label=label.value,
                      user_id=user.id, at=now))  # fmt: skip
    detail = {"sentiment": [row.sentiment, label.value], "by": [row.sentiment_by, "staff"]}
    audit(session=session, user=user, action="sentiment_relabelled", target=f"mention:{row.id}",
          detail=detail)  # fmt: skip
    if row.sentiment != label.value:  # the volume chart's count moves with it
        stmt = select(Match.keyword_id).where(Match.mention_id == row.id)
        keywords = (await session.scalars(stmt)).all()
        for sentiment, sign in ((row.sentiment, -1), (label.value, 1)):
            counts = [(k, row.published_at, row.channel, sentiment) for k in keywords]
            await rollup.add(session=session, counts=counts, sign=sign)
    row.sentiment, row.sentiment_by, row.sentiment_user_id = label.value, "staff", user.id
    await session.flush()
    return row


async def open_case(
    *, session: AsyncSession, row: Mention, body: CaseFromMention, user: User
) -> tuple[int, str]:
    """A complaint case from the mention (its text, author and link); once per mention."""
    if row.case_id is not None:
        raise MentionHasCase("This mention is already a case. / ข้อความนี้เปิดเรื่องแล้ว",
                             mention_id=row.id, case_id=row.case_id)  # fmt: skip
    description = "\n\n".join(p for p in (body.note.strip(), row.text, row.url) if p)
    case_in = CaseCreate(
        channel=CASE_CHANNEL.get(row.channel, Channel.web), service_line=body.service_line,
        category=body.category, caller_name=row.author[:255], description=description[:20000],
        platform=PLATFORM.get(row.channel, row.channel), url=row.url[:2048],
    )  # fmt: skip
    case = await case_service.create(session=session, case_in=case_in, user=user)
    row.case_id = case.id
    audit(session=session, user=user, action="case_opened", target=f"mention:{row.id}",
          detail={"case_id": case.id, "case_number": case.number})  # fmt: skip
    await session.flush()
    return case.id, case.number or ""


async def sources(*, session: AsyncSession) -> Sequence[Source]:
    return (await session.scalars(select(Source).order_by(Source.id))).all()


async def add_source(*, session: AsyncSession, item: SourceIn, user: User) -> Source:
    if await session.scalar(select(Source.id).where(Source.name == item.name)) is not None:
        raise SourceExists("A source has this name. / มีแหล่งข้อมูลชื่อนี้แล้ว", name=item.name)
    row = Source(**item.model_dump(), cursor={}, failures=0, last_error="")
    session.add(row)
    await session.flush()
    audit(session=session, user=user, action="source_created", target=f"source:{row.id}",
          detail=item.model_dump())  # fmt: skip
    return row


async def source(*, session: AsyncSession, source_id: int) -> Source:
    found = await session.get(Source, source_id)
    if found is None:
        raise NotFound(f"no source {source_id}", source_id=source_id)
    return found


async def edit_source(
    *, session: AsyncSession, row: Source, changes: SourceUpdate, user: User
) -> Source:
    data = changes.model_dump(exclude_unset=True, exclude_none=True)
    diff = _apply(session=session, user=user, row=row, data=data, action="source_updated",
                  target=f"source:{row.id}")  # fmt: skip
    if "url" in diff or "query" in diff:  # another feed or search: its own cursor
        row.cursor, row.failures, row.last_error, row.resume_at = {}, 0, "", None
    if diff.get("active") == [False, True]:
        row.resume_at = None  # resumed: polled next round
    await session.flush()
    return row
