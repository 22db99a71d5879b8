"""The weekly news digest: built from the week's news and most engaging posts, edited, sent.

A week runs Monday 00:00 to Monday 00:00, Asia/Bangkok. Its draft holds the news articles
that matched a keyword (most keywords first, then newest) and the posts and comments with
the most engagement (likes + shares + replies + quotes) that matched one. Staff edit the
subject, the e-mail text and the LINE text, then send it: the e-mail (news and posts) goes
to `social_digest_recipients`, the LINE broadcast (news only: a broadcast is public, and
the posts are other people's words) to every friend of the official account. Sent once;
callers own the transaction except in `send`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.alerts.mailer import Mailer, parse_recipients
from callcenter.config import Settings
from callcenter.errors import Conflict, NotFound
from callcenter.reports import thai
from callcenter.social.analysis import BANGKOK
from callcenter.social.line_broadcast import BroadcastError, LineBroadcaster
from callcenter.social.models import AuditEntry, Digest, Match, Mention
from callcenter.social.service import audit
from callcenter.users.models import User
from callcenter.validation import InputModel

CHANNEL_NAMES = {"x": "X", "facebook": "Facebook", "youtube": "YouTube", "news": "News"}
DIGEST_KEYS = uuid.UUID("0a1e4a52-17a0-4c8e-9d0e-121212121212")
SIGNATURE = "สรุปอัตโนมัติจากศูนย์ 1212 แก้ไขโดยเจ้าหน้าที่ · Digest of the 1212 centre, edited by staff"


class DigestSent(Conflict):
    error_id = "social_digest_sent"


class DigestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    week_start: date
    subject: str
    body: str
    line_text: str
    news: list[dict[str, Any]]
    mentions: list[int]
    status: str
    built_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    emailed_to: list[str]
    line_request_id: str | None
    error: str


class DigestUpdate(InputModel):
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=20000)
    line_text: str | None = Field(default=None, min_length=1, max_length=5000)


def week_of(moment: datetime) -> date:
    """The Monday (Bangkok) of the last full week before `moment`."""
    today = moment.astimezone(BANGKOK).date()
    return today - timedelta(days=today.weekday() + 7)


def bounds(week_start: date) -> tuple[datetime, datetime]:
    first = datetime.combine(week_start, time(), BANGKOK)
    return first, first + timedelta(days=7)


def _title(week_start: date, lang: str) -> str:
    last = week_start + timedelta(days=6)
    if lang == "th":
        return f"สรุปข่าวประจำสัปดาห์ {thai.long_date(week_start, 'th')} – {thai.long_date(last, 'th')}"
    return f"Weekly digest {thai.long_date(week_start, 'en')} – {thai.long_date(last, 'en')}"


def _snippet(text: str, most: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[: most - 1] + "…"


async def compose(
    session: AsyncSession, settings: Settings, week_start: date
) -> tuple[str, str, str, list[dict[str, Any]], list[int]]:
    """Subject, e-mail text, LINE text, the news (title, url) and the posts' ids."""
    first, after = bounds(week_start)
    matched = select(Match.mention_id, func.count().label("keywords")).group_by(Match.mention_id)
    hits = matched.subquery()
    in_week = (Mention.published_at >= first) & (Mention.published_at < after)
    news_rows = (await session.execute(
        select(Mention).join(hits, hits.c.mention_id == Mention.id)
        .where(in_week, Mention.channel == "news")
        .order_by(hits.c.keywords.desc(), Mention.published_at.desc(), Mention.id)
        .limit(settings.social_digest_news)
    )).scalars().all()  # fmt: skip
    engagement = Mention.likes + Mention.shares + Mention.replies + Mention.quotes
    post_rows = (await session.execute(
        select(Mention).join(hits, hits.c.mention_id == Mention.id)
        .where(in_week, Mention.channel != "news")
        .order_by(engagement.desc(), Mention.id).limit(settings.social_digest_posts)
    )).scalars().all()  # fmt: skip
    news = [{"title": m.text.split("\n")[0][:300], "url": m.url, "source": m.author}
            for m in news_rows]  # fmt: skip
    news_lines = [f"{n}. {item['title']}\n   {item['url']}" for n, item in enumerate(news, 1)]
    posts = [
        f"{n}. [{CHANNEL_NAMES.get(m.channel, m.channel)}] {m.author} "
        f"(ถูกใจ · likes {m.likes}, แชร์ · shares {m.shares}, ตอบ · replies {m.replies})\n"
        f"   {_snippet(m.text)}\n   {m.url}"
        for n, m in enumerate(post_rows, 1)
    ]
    none = "— ไม่มี · none —"
    subject = f"[1212] {_title(week_start, 'th')} · {_title(week_start, 'en')}"
    body = "\n".join([
        _title(week_start, "th"), _title(week_start, "en"), "",
        "ข่าวเด่น · Top news", *(news_lines or [none]), "",
        "โพสต์ที่มีส่วนร่วมสูงสุด · Most engaging posts", *(posts or [none]), "",
        "-- ", SIGNATURE, "",
    ])  # fmt: skip
    line = "\n".join([
        _title(week_start, "th"), "", "ข่าวเด่นเรื่องภัยออนไลน์ · Top news on online fraud",
        *(news_lines or [none]), "", "ถูกหลอก โทร 1212 ตลอด 24 ชั่วโมง · Scammed? Call 1212, 24 h",
    ])[:5000]  # fmt: skip
    return subject, body, line, news, [m.id for m in post_rows]


async def build(
    *, session: AsyncSession, settings: Settings, week_start: date, now: datetime,
    user: User | None = None,
) -> Digest:  # fmt: skip
    """The week's draft, made or made again (a sent digest stays as it was)."""
    row = (await session.scalars(
        select(Digest).where(Digest.week_start == week_start).with_for_update()
    )).first()  # fmt: skip
    if row is not None and row.status == "sent":
        raise DigestSent("This week's digest was sent already · ส่งสรุปสัปดาห์นี้ไปแล้ว",
                         digest_id=row.id)  # fmt: skip
    subject, body, line, news, posts = await compose(session, settings, week_start)
    if row is None:
        row = Digest(week_start=week_start, status="draft", built_at=now, error="", emailed_to=[])
        session.add(row)
    row.subject, row.body, row.line_text, row.news, row.mentions = subject, body, line, news, posts
    row.built_at, row.updated_at = now, now
    await session.flush()
    _audit(session, user, "digest_built", row, {"week_start": week_start.isoformat()})
    return row


async def ensure_draft(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> Digest | None:
    """The scheduler's Monday job: last week's draft when there is none yet."""
    week = week_of(now)
    async with sessions() as session, session.begin():
        if (await session.scalars(select(Digest).where(Digest.week_start == week))).first():
            return None
        return await build(session=session, settings=settings, week_start=week, now=now)


async def get(session: AsyncSession, digest_id: int, *, lock: bool = False) -> Digest:
    stmt = select(Digest).where(Digest.id == digest_id)
    row = (await session.scalars(stmt.with_for_update() if lock else stmt)).first()
    if row is None:
        raise NotFound("No such digest · ไม่พบสรุปข่าว", digest_id=digest_id)
    return row


async def edit(
    *, session: AsyncSession, digest_id: int, change: DigestUpdate, user: User, now: datetime
) -> Digest:
    row = await get(session, digest_id, lock=True)
    if row.status == "sent":
        raise DigestSent("A sent digest is not edited · สรุปที่ส่งแล้วแก้ไม่ได้", digest_id=row.id)
    changed = {k: v for k, v in change.model_dump(exclude_unset=True).items() if v is not None}
    for name, value in changed.items():
        setattr(row, name, value)
    row.edited_by, row.updated_at = user.id, now
    audit(session=session, user=user, action="digest_edited", target=f"digest:{row.id}",
          detail={"fields": sorted(changed)})  # fmt: skip
    return row


def message(row: Digest, *, sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="callcenter.social")
    msg.set_content(row.body)
    return msg


async def send(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, digest_id: int,
    user: User, now: datetime, line: LineBroadcaster | None,
) -> Digest:  # fmt: skip
    """E-mail, then LINE; what went out is kept (a retry sends only what did not)."""
    async with sessions() as session:
        row = await get(session, digest_id)
    if row.status == "sent":
        raise DigestSent("This digest was sent already · ส่งสรุปนี้ไปแล้ว", digest_id=row.id)
    recipients = parse_recipients(settings.social_digest_recipients)
    errors: list[str] = []
    if not recipients and line is None:
        errors.append("no e-mail recipients (social_digest_recipients) and no LINE set up")
    emailed = list(row.emailed_to)
    if recipients and not emailed:
        mailer = Mailer(host=settings.smtp_host, port=settings.smtp_port,
                        sender=settings.smtp_from, recipients=recipients,
                        timeout_s=settings.smtp_timeout_s)  # fmt: skip
        try:
            if all(await mailer.deliver([message(row, sender=settings.smtp_from,
                                                 recipients=recipients)])):  # fmt: skip
                emailed = list(recipients)
            else:
                errors.append("e-mail refused")
        except OSError as exc:
            errors.append(f"e-mail: {exc!r}")
    request_id = row.line_request_id
    if line is not None and request_id is None:
        key = str(uuid.uuid5(DIGEST_KEYS, f"digest-{row.id}-{row.updated_at.isoformat()}"))
        try:
            request_id = await line.broadcast(row.line_text, None, retry_key=key)
        except BroadcastError as exc:
            errors.append(str(exc))
    async with sessions() as session, session.begin():
        stored = await get(session, digest_id, lock=True)
        stored.emailed_to, stored.line_request_id = emailed, request_id
        stored.error = "; ".join(errors)[:2000]
        done = (emailed or not recipients) and (request_id or line is None)
        if done and (emailed or request_id):
            stored.status, stored.sent_at, stored.sent_by = "sent", now, user.id
        audit(session=session, user=user, action="digest_sent" if stored.status == "sent"
              else "digest_send_failed", target=f"digest:{stored.id}",
              detail={"emailed_to": emailed, "line_request_id": request_id,
                      "error": stored.error})  # fmt: skip
        return stored


def _audit(
    session: AsyncSession, user: User | None, action: str, row: Digest, detail: dict[str, Any]
) -> None:
    if user is not None:
        audit(session=session, user=user, action=action, target=f"digest:{row.id}", detail=detail)
    else:
        session.add(AuditEntry(user_id=None, username="scheduler", action=action,
                               target=f"digest:{row.id}", detail=detail))  # fmt: skip


async def recent(session: AsyncSession, limit: int = 20) -> list[Digest]:
    stmt = select(Digest).order_by(Digest.week_start.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())
