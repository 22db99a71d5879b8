"""Mentions counted per keyword, UTC hour, channel and sentiment: what the volume chart
reads, so its time does not grow with every mention stored.

Kept in step by the writers: storing new mentions adds their matches, a staff relabel
moves a mention's count from one sentiment to the other, re-applying a keyword rebuilds
its hours from the matches. Callers own the transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.social.models import VolumeHour

CHUNK = 5000  # rows a statement (5 parameters each)
REBUILD = """
INSERT INTO social_volume_hours (keyword_id, hour, channel, sentiment, count)
SELECT x.keyword_id, date_trunc('hour', m.published_at, 'UTC'), m.channel, m.sentiment, count(*)
FROM social_matches x JOIN social_mentions m ON m.id = x.mention_id
WHERE x.keyword_id = :keyword_id AND m.published_at >= :since
GROUP BY x.keyword_id, date_trunc('hour', m.published_at, 'UTC'), m.channel, m.sentiment
"""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def add(
    *, session: AsyncSession, counts: Iterable[tuple[int, datetime, str, str]], sign: int = 1
) -> None:
    """Count (keyword id, published at, channel, sentiment) in (sign 1) or out (sign -1)."""
    summed = Counter((k, hour_of(at), ch, s) for k, at, ch, s in counts)
    rows = [
        {"keyword_id": k, "hour": h, "channel": ch, "sentiment": s, "count": sign * n}
        for (k, h, ch, s), n in summed.items()
    ]
    for at in range(0, len(rows), CHUNK):
        stmt = insert(VolumeHour).values(rows[at : at + CHUNK])
        stmt = stmt.on_conflict_do_update(
            index_elements=["keyword_id", "hour", "channel", "sentiment"],
            set_={"count": VolumeHour.count + stmt.excluded.count},
        )
        await session.execute(stmt)


async def rebuild(*, session: AsyncSession, keyword_id: int, since: datetime | None) -> None:
    """Count a keyword's hours again from its matches (all, or from the hour of `since`)."""
    start = hour_of(since) if since is not None else EPOCH
    await session.execute(
        delete(VolumeHour).where(VolumeHour.keyword_id == keyword_id, VolumeHour.hour >= start)
    )
    await session.execute(text(REBUILD), {"keyword_id": keyword_id, "since": start})
