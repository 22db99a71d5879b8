"""What the desk reads: mentions filtered and ranked, volume over time, influencers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.social import rollup
from callcenter.social.errors import InvalidPeriod
from callcenter.social.models import Match, Mention, VolumeHour

BANGKOK = ZoneInfo("Asia/Bangkok")
TZ_SQL = "'Asia/Bangkok'"
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "likes": (Mention.likes.desc(), Mention.id.desc()),
    "shares": (Mention.shares.desc(), Mention.id.desc()),
    "published": (Mention.published_at.desc(), Mention.id.desc()),
}
# asyncpg prepares statements; after five runs PostgreSQL may keep a generic plan blind to
# how selective this period and keyword are (benchmarks/listening.py: 300 ms against 50 at
# 1 M mentions). For this transaction only, plan each run for its values.
CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")
COUNT_CAP = 10_000  # totals above it are reported as "more than"
MAX_HOURLY = timedelta(days=31)  # hourly buckets over at most a month
MAX_DAILY = timedelta(days=731)


@dataclass(frozen=True)
class Filters:
    keyword_id: int | None = None
    channel: str | None = None
    sentiment: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    sort: str = "published"
    limit: int = 50
    offset: int = 0
    province: str | None = None


def check_period(start: datetime | None, end: datetime | None, *, most: timedelta) -> None:
    if start is not None and end is not None:
        if end <= start:
            raise InvalidPeriod("The period ends before it starts. / ช่วงเวลาสิ้นสุดก่อนเริ่ม",
                                start=start.isoformat(), end=end.isoformat())  # fmt: skip
        if end - start > most:
            raise InvalidPeriod(f"The period is longer than {most.days} days. / "
                                f"ช่วงเวลายาวเกิน {most.days} วัน", days=most.days)  # fmt: skip


def _where(stmt: Any, f: Filters) -> Any:
    """`stmt` (a Select of any columns) narrowed by the filters."""
    if f.keyword_id is not None:
        stmt = stmt.join(Match, and_(Match.mention_id == Mention.id,
                                     Match.keyword_id == f.keyword_id))  # fmt: skip
    if f.channel:
        stmt = stmt.where(Mention.channel == f.channel)
    if f.sentiment:
        stmt = stmt.where(Mention.sentiment == f.sentiment)
    if f.province:
        stmt = stmt.where(Mention.province == f.province)
    if f.start is not None:
        stmt = stmt.where(Mention.published_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(Mention.published_at < f.end)
    return stmt


async def mentions(
    *, session: AsyncSession, filters: Filters
) -> tuple[int, Sequence[Mention], dict[int, list[int]]]:
    """Total, one page of mentions (ranked), and the keywords each matched."""
    check_period(filters.start, filters.end, most=MAX_DAILY)
    await session.execute(CUSTOM_PLANS)
    # Counted up to COUNT_CAP + 1: an exact total of a busy week costs a scan of all of it.
    capped = _where(select(Mention.id), filters).limit(COUNT_CAP + 1).subquery()
    total = await session.scalar(select(func.count()).select_from(capped)) or 0
    stmt = _where(select(Mention), filters).order_by(*SORTS[filters.sort])
    rows = (await session.scalars(stmt.limit(filters.limit).offset(filters.offset))).all()
    return int(total), rows, await keywords_of(session=session, ids=[m.id for m in rows])


async def keywords_of(*, session: AsyncSession, ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        stmt = select(Match.mention_id, Match.keyword_id).where(Match.mention_id.in_(ids))
        for mention_id, keyword_id in await session.execute(stmt.order_by(Match.keyword_id)):
            found[mention_id].append(keyword_id)
    return found


async def volume(
    *,
    session: AsyncSession,
    start: datetime,
    end: datetime,
    bucket: str,
    keyword_id: int | None = None,
    channel: str | None = None,
) -> list[tuple[datetime, int, str, int]]:
    """(bucket start, keyword id, sentiment, count): hours or days of Bangkok time, read from
    the hourly counts (callcenter.social.rollup); the period is counted in whole hours."""
    check_period(start, end, most=MAX_HOURLY if bucket == "hour" else MAX_DAILY)
    # Constants written into the SQL, not bound: GROUP BY must see one same expression.
    unit: ColumnElement[str] = literal_column({"hour": "'hour'", "day": "'day'"}[bucket])
    zone: ColumnElement[str] = literal_column(TZ_SQL)
    local = func.date_trunc(unit, func.timezone(zone, VolumeHour.hour))
    start_at = func.timezone(zone, local).label("start")
    count = func.sum(VolumeHour.count)
    stmt = (
        select(start_at, VolumeHour.keyword_id, VolumeHour.sentiment, count)
        .where(VolumeHour.hour >= rollup.hour_of(start), VolumeHour.hour < end)
        .group_by(start_at, VolumeHour.keyword_id, VolumeHour.sentiment)
        .having(count > 0)
        .order_by(start_at, VolumeHour.keyword_id, VolumeHour.sentiment)
    )
    if keyword_id is not None:
        stmt = stmt.where(VolumeHour.keyword_id == keyword_id)
    if channel:
        stmt = stmt.where(VolumeHour.channel == channel)
    rows = await session.execute(stmt)
    return [(r[0].astimezone(BANGKOK), r[1], r[2], int(r[3])) for r in rows]


@dataclass(frozen=True)
class Voice:
    channel: str
    author_id: str
    author: str
    reach: int
    engagement: int
    mentions: int

    @property
    def score(self) -> int:
        return self.reach * self.engagement


async def influencers(
    *,
    session: AsyncSession,
    start: datetime,
    end: datetime,
    channel: str | None = None,
    keyword_id: int | None = None,
    limit: int = 20,
) -> list[tuple[Voice, Sequence[Mention]]]:
    """Authors by reach x engagement in the period, each with their most liked mentions."""
    f = Filters(keyword_id=keyword_id, channel=channel, start=start, end=end)
    check_period(start, end, most=MAX_DAILY)
    engagement = func.sum(Mention.likes + Mention.shares + Mention.replies + Mention.quotes)
    reach = func.coalesce(func.max(Mention.author_followers), 0)
    columns = (Mention.channel, Mention.author_id, func.max(Mention.author), reach, engagement,
               func.count(Mention.id))  # fmt: skip
    stmt = _where(select(*columns), f).where(Mention.author_id != "")
    stmt = stmt.group_by(Mention.channel, Mention.author_id)
    stmt = stmt.order_by((reach * engagement).desc(), Mention.author_id).limit(limit)
    voices = [Voice(r[0], r[1], r[2], int(r[3]), int(r[4] or 0), int(r[5]))
              for r in await session.execute(stmt)]  # fmt: skip
    out = []
    for voice in voices:
        top = _where(select(Mention), f).where(
            Mention.channel == voice.channel, Mention.author_id == voice.author_id
        )
        rows = (await session.scalars(top.order_by(*SORTS["likes"]).limit(3))).all()
        out.append((voice, rows))
    return out


async def provinces(*, session: AsyncSession, filters: Filters) -> list[tuple[str, dict[str, int]]]:
    """Located mentions per province and sentiment in the period, busiest province first."""
    check_period(filters.start, filters.end, most=MAX_DAILY)
    stmt = select(Mention.province, Mention.sentiment, func.count(Mention.id))
    stmt = _where(stmt, filters).where(Mention.province.is_not(None))
    stmt = stmt.group_by(Mention.province, Mention.sentiment)
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for province, sentiment, count in await session.execute(stmt):
        found[province][sentiment] = int(count)
    return sorted(found.items(), key=lambda item: (-sum(item[1].values()), item[0]))
