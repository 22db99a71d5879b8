"""Volume spike alerts: a keyword's mentions in the last hour against the same hour of
the previous days, shown and mailed by callcenter/alerts like every other alert.

A keyword fires when its last hour holds at least `min_count` mentions and at least
`factor` times the mean of the same hour on each of the `days` days before (a quiet
baseline counts as 1). The alert's `field` is the API query of those mentions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.alerts.rules import SOCIAL_VOLUME_SPIKE as RULE
from callcenter.alerts.rules import Alert
from callcenter.config import Settings
from callcenter.social.models import Keyword, Match, Mention

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class HourCounts:
    keyword_id: int
    keyword: str
    now: int  # mentions in the last hour
    before: Sequence[int]  # the same hour, 1, 2, ... days ago


def spikes(counts: Sequence[HourCounts], *, factor: float, min_count: int,
           start: datetime, end: datetime) -> list[Alert]:  # fmt: skip
    """The keywords whose last hour [start, end) is a spike (pure)."""
    out = []
    for c in counts:
        baseline = max(1.0, sum(c.before) / len(c.before)) if c.before else 1.0
        if c.now < min_count or c.now < factor * baseline:
            continue
        query = urlencode({"keyword_id": c.keyword_id, "from": start.isoformat(),
                           "to": end.isoformat(), "sort": "likes"})  # fmt: skip
        texts = (
            f"คำค้น “{c.keyword}” ถูกกล่าวถึง {c.now} ครั้งในชั่วโมงที่ผ่านมา"
            f" (ปกติ {baseline:.1f} ในชั่วโมงเดียวกัน)",
            f"Keyword “{c.keyword}”: {c.now} mentions in the last hour"
            f" (usually {baseline:.1f} in the same hour)",
        )
        out.append(Alert(
            id=f"{RULE}:keyword:{c.keyword_id}", rule=RULE, scope=f"keyword:{c.keyword_id}",
            severity="warning", text_th=texts[0], text_en=texts[1], value=float(c.now),
            threshold=factor * baseline, field=f"/api/v1/social/mentions?{query}", kpi=None,
            label_th=c.keyword, label_en=c.keyword,
        ))  # fmt: skip
    return out


async def hour_counts(*, session: AsyncSession, end: datetime, days: int) -> list[HourCounts]:
    """Per active keyword: mentions in [end - 1 h, end) and in that hour of earlier days."""
    keywords = (
        await session.execute(select(Keyword.id, Keyword.keyword).where(Keyword.active))
    ).all()
    windows: list[Mapping[int, int]] = []
    for back in range(days + 1):
        stop = end - timedelta(days=back)
        stmt = (
            select(Match.keyword_id, func.count())
            .join(Mention, Mention.id == Match.mention_id)
            .where(Mention.published_at >= stop - HOUR, Mention.published_at < stop)
            .group_by(Match.keyword_id)
        )
        windows.append({k: int(n) for k, n in await session.execute(stmt)})
    return [
        HourCounts(
            keyword_id=k,
            keyword=word,
            now=windows[0].get(k, 0),
            before=[w.get(k, 0) for w in windows[1:]],
        )
        for k, word in keywords
    ]


class SpikeCheck:
    """An alert service check (callcenter.alerts.service.ExtraCheck): asks the database at
    most every `every_s` seconds, as the counts move slowly."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        factor: float,
        min_count: int,
        days: int,
        every_s: float = 60.0,
    ) -> None:
        self._sessions, self._every = sessions, every_s
        self.factor, self.min_count, self.days = factor, min_count, days
        self._asked_at, self._alerts = float("-inf"), list[Alert]()

    async def __call__(self, now: float) -> list[Alert]:
        if now - self._asked_at >= self._every:
            end = datetime.fromtimestamp(now, UTC)
            async with self._sessions() as session:
                counts = await hour_counts(session=session, end=end, days=self.days)
            self._alerts = spikes(counts, factor=self.factor, min_count=self.min_count,
                                  start=end - HOUR, end=end)  # fmt: skip
            self._asked_at = now
        return self._alerts


def checks(*, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list[SpikeCheck]:
    """The spike check for the alert service, when social listening is on (social_poll_s)."""
    if settings.social_poll_s <= 0:
        return []
    check = SpikeCheck(
        sessions,
        factor=settings.social_spike_factor,
        min_count=settings.social_spike_min,
        days=settings.social_spike_days,
    )
    return [check]
