"""The social desk's alerts, shown and mailed by callcenter/alerts like every other alert.

Each looks at the last hour [end - 1 h, end) of a keyword's mentions:
- volume spike: at least `min_count` mentions and `factor` times the mean of the same
  hour on each of the `days` days before (a quiet baseline counts as 1);
- negative share jump: at least `min_count` mentions, of which a negative share
  `jump_points` points above that hour's share on the days before;
- watched keyword: any mention of a keyword on the watch list;
- influencer: a mention of any keyword by an author with `influencer_followers` or more.
An alert's `field` is the API query of its mentions, so the screen and the e-mail
lead to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.alerts.rules import (
    SOCIAL_INFLUENCER,
    SOCIAL_NEGATIVE_JUMP,
    SOCIAL_VOLUME_SPIKE,
    SOCIAL_WATCHED,
    Alert,
)
from callcenter.config import Settings
from callcenter.social.models import Keyword, Match, Mention

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class HourCounts:
    keyword_id: int
    keyword: str
    now: int  # mentions in the last hour
    before: Sequence[int]  # the same hour, 1, 2, ... days ago
    negative_now: int = 0
    negative_before: Sequence[int] = ()
    watch: bool = False


@dataclass(frozen=True)
class Voice:
    """An influential author's mentions in the last hour."""

    channel: str
    author_id: str
    author: str
    followers: int
    mentions: int


@dataclass(frozen=True)
class Limits:
    factor: float = 3.0
    min_count: int = 10
    jump_points: float = 20.0
    influencer_followers: int = 50_000


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def link(self, **query: object) -> str:
        both = {**query, "from": self.start.isoformat(), "to": self.end.isoformat()}
        return f"/api/v1/social/mentions?{urlencode(both)}"


def _alert(rule: str, scope: str, texts: tuple[str, str], value: float, threshold: float,
           link: str, label: str, severity: str = "warning") -> Alert:  # fmt: skip
    return Alert(id=f"{rule}:{scope}", rule=rule, scope=scope, severity=severity,
                 text_th=texts[0], text_en=texts[1], value=value, threshold=threshold,
                 field=link, kpi=None, label_th=label, label_en=label)  # fmt: skip


def spikes(counts: Sequence[HourCounts], *, factor: float, min_count: int,
           start: datetime, end: datetime) -> list[Alert]:  # fmt: skip
    """The keywords whose last hour [start, end) is a volume spike (pure)."""
    out, window = [], Window(start, end)
    for c in counts:
        baseline = max(1.0, sum(c.before) / len(c.before)) if c.before else 1.0
        if c.now < min_count or c.now < factor * baseline:
            continue
        texts = (
            f"คำค้น “{c.keyword}” ถูกกล่าวถึง {c.now} ครั้งในชั่วโมงที่ผ่านมา"
            f" (ปกติ {baseline:.1f} ในชั่วโมงเดียวกัน)",
            f"Keyword “{c.keyword}”: {c.now} mentions in the last hour"
            f" (usually {baseline:.1f} in the same hour)",
        )
        link = window.link(keyword_id=c.keyword_id, sort="likes")
        out.append(_alert(SOCIAL_VOLUME_SPIKE, f"keyword:{c.keyword_id}", texts, float(c.now),
                          factor * baseline, link, c.keyword))  # fmt: skip
    return out


def negative_jumps(counts: Sequence[HourCounts], *, points: float, min_count: int,
                   start: datetime, end: datetime) -> list[Alert]:  # fmt: skip
    """Keywords whose negative share in the last hour jumped `points` above usual (pure)."""
    out, window = [], Window(start, end)
    for c in counts:
        if c.now < min_count:
            continue
        share = 100.0 * c.negative_now / c.now
        usual = 100.0 * sum(c.negative_before) / sum(c.before) if sum(c.before) else 0.0
        if share < usual + points:
            continue
        texts = (
            f"คำค้น “{c.keyword}”: ข้อความเชิงลบ {share:.0f}% ในชั่วโมงที่ผ่านมา (ปกติ {usual:.0f}%)",
            f"Keyword “{c.keyword}”: {share:.0f}% negative in the last hour (usually {usual:.0f}%)",
        )
        link = window.link(keyword_id=c.keyword_id, sentiment="negative", sort="likes")
        out.append(_alert(SOCIAL_NEGATIVE_JUMP, f"keyword:{c.keyword_id}", texts, share,
                          usual + points, link, c.keyword))  # fmt: skip
    return out


def watched(counts: Sequence[HourCounts], *, start: datetime, end: datetime) -> list[Alert]:
    """Keywords on the watch list mentioned in the last hour (pure)."""
    window = Window(start, end)
    return [
        _alert(
            SOCIAL_WATCHED,
            f"keyword:{c.keyword_id}",
            (
                f"คำค้นที่เฝ้าระวัง “{c.keyword}” ถูกกล่าวถึง {c.now} ครั้งในชั่วโมงที่ผ่านมา",
                f"Watched keyword “{c.keyword}”: {c.now} mention(s) in the last hour",
            ),
            float(c.now),
            1.0,
            window.link(keyword_id=c.keyword_id),
            c.keyword,
        )
        for c in counts
        if c.watch and c.now > 0
    ]


def influencers(voices: Sequence[Voice], *, followers: int, start: datetime,
                end: datetime) -> list[Alert]:  # fmt: skip
    """Authors with `followers` or more who mentioned a keyword in the last hour (pure)."""
    window = Window(start, end)
    return [
        _alert(
            SOCIAL_INFLUENCER,
            f"{v.channel}:{v.author_id}",
            (
                f"{v.author} (ผู้ติดตาม {v.followers:,}) กล่าวถึงศูนย์ {v.mentions} ครั้ง ในชั่วโมงที่ผ่านมา",
                f"{v.author} ({v.followers:,} followers) mentioned the centre {v.mentions} time(s)"
                " in the last hour",
            ),
            float(v.followers),
            float(followers),
            window.link(channel=v.channel, sort="likes"),
            v.author,
        )
        for v in voices
        if v.followers >= followers
    ]


async def hour_counts(*, session: AsyncSession, end: datetime, days: int) -> list[HourCounts]:
    """Per active keyword: mentions (and negative ones) in [end - 1 h, end) and in that hour
    of each earlier day."""
    active = select(Keyword.id, Keyword.keyword, Keyword.watch).where(Keyword.active)
    keywords = (await session.execute(active)).all()
    totals: list[dict[int, int]] = []
    negatives: list[dict[int, int]] = []
    for back in range(days + 1):
        stop = end - timedelta(days=back)
        negative = func.count().filter(Mention.sentiment == "negative")
        stmt = (
            select(Match.keyword_id, func.count(), negative)
            .join(Mention, Mention.id == Match.mention_id)
            .where(Mention.published_at >= stop - HOUR, Mention.published_at < stop)
            .group_by(Match.keyword_id)
        )
        rows = (await session.execute(stmt)).all()
        totals.append({k: int(n) for k, n, _ in rows})
        negatives.append({k: int(bad) for k, _, bad in rows})
    return [
        HourCounts(
            keyword_id=k,
            keyword=word,
            now=totals[0].get(k, 0),
            before=[w.get(k, 0) for w in totals[1:]],
            negative_now=negatives[0].get(k, 0),
            negative_before=[w.get(k, 0) for w in negatives[1:]],
            watch=watch,
        )
        for k, word, watch in keywords
    ]


async def loud_voices(*, session: AsyncSession, end: datetime, followers: int) -> list[Voice]:
    """Authors with `followers` or more whose mentions in the last hour matched a keyword."""
    matched = select(Match.mention_id)
    stmt = (
        select(
            Mention.channel,
            Mention.author_id,
            func.max(Mention.author),
            func.max(Mention.author_followers),
            func.count(),
        )
        .where(Mention.published_at >= end - HOUR, Mention.published_at < end)
        .where(Mention.author_followers >= followers, Mention.id.in_(matched))
        .group_by(Mention.channel, Mention.author_id)
        .order_by(Mention.channel, Mention.author_id)
    )
    rows = await session.execute(stmt)
    return [Voice(c, a, name, int(f or 0), int(n)) for c, a, name, f, n in rows]


@dataclass
class SpikeCheck:
    """An alert service check (callcenter.alerts.service.ExtraCheck) running every rule
    above; it asks the database at most every `every_s` seconds, as the counts move slowly."""

    sessions: async_sessionmaker[AsyncSession]
    limits: Limits
    days: int = 7
    every_s: float = 60.0
    _asked_at: float = float("-inf")
    _alerts: list[Alert] = field(default_factory=list)

    async def __call__(self, now: float) -> list[Alert]:
        if now - self._asked_at >= self.every_s:
            end = datetime.fromtimestamp(now, UTC)
            start, lim = end - HOUR, self.limits
            async with self.sessions() as session:
                counts = await hour_counts(session=session, end=end, days=self.days)
                voices = await loud_voices(
                    session=session, end=end, followers=lim.influencer_followers
                )
            self._alerts = [
                *spikes(counts, factor=lim.factor, min_count=lim.min_count, start=start, end=end),
                *negative_jumps(
                    counts, points=lim.jump_points, min_count=lim.min_count, start=start, end=end
                ),
                *watched(counts, start=start, end=end),
                *influencers(voices, followers=lim.influencer_followers, start=start, end=end),
            ]
            self._asked_at = now
        return self._alerts


def checks(*, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list[SpikeCheck]:
    """The social check for the alert service, when social listening is on (social_poll_s)."""
    if settings.social_poll_s <= 0:
        return []
    limits = Limits(
        factor=settings.social_spike_factor, min_count=settings.social_spike_min,
        jump_points=settings.social_negative_jump_points,
        influencer_followers=settings.social_influencer_followers,
    )  # fmt: skip
    return [SpikeCheck(sessions, limits, days=settings.social_spike_days)]
