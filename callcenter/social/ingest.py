"""Storing what connectors found: language, sentiment and keywords, once per mention.

Analysis is CPU work (tokenising Thai) and runs in a thread. A mention seen again (the
same channel and external id) only refreshes its counts (likes, shares, ...): its
sentiment, perhaps corrected by staff, and its keyword matches stay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.social import sentiment, text
from callcenter.social.connectors import Found
from callcenter.social.models import Keyword, Match, Mention


@dataclass(frozen=True)
class Analysed:
    found: Found
    language: str
    sentiment: sentiment.Sentiment
    matches: dict[int, list[str]]


async def matcher(*, session: AsyncSession) -> text.Matcher:
    """The active keywords as matching rules."""
    rows = (await session.scalars(select(Keyword).where(Keyword.active))).all()
    return text.Matcher([rule(k) for k in rows])


def rule(keyword: Keyword) -> text.KeywordRule:
    return text.KeywordRule.build(
        keyword_id=keyword.id, keyword=keyword.keyword, sub_keywords=keyword.sub_keywords,
        exclusions=keyword.exclusions, language=keyword.language,
    )  # fmt: skip


def analyse(found: Sequence[Found], rules: text.Matcher) -> list[Analysed]:
    out = []
    for item in found:
        lang = text.language(item.text)
        out.append(Analysed(item, lang, sentiment.classify(item.text, lang),
                            rules.match(item.text, lang)))  # fmt: skip
    return out


async def store(
    *, session: AsyncSession, found: Sequence[Found], source_id: int | None, now: datetime
) -> int:
    """Store the mentions; how many were new."""
    if not found:
        return 0
    rules = await matcher(session=session)
    done = await asyncio.to_thread(analyse, _unique(found), rules)
    new = 0
    for item in done:
        mention_id, inserted = await _upsert(session, item, source_id, now)
        if inserted:
            new += 1
            await _add_matches(session, mention_id, item.matches)
    return new


def _unique(found: Sequence[Found]) -> list[Found]:
    """One of each (channel, external id): pages can overlap while new posts arrive."""
    return list({(f.channel, f.external_id): f for f in found}.values())


async def _upsert(
    session: AsyncSession, item: Analysed, source_id: int | None, now: datetime
) -> tuple[int, bool]:
    f = item.found
    counts = {"likes": f.likes, "shares": f.shares, "replies": f.replies, "quotes": f.quotes}
    values = insert(Mention).values(
        channel=f.channel, external_id=f.external_id, source_id=source_id, url=f.url,
        author=f.author[:255], author_id=f.author_id[:255], author_followers=f.author_followers,
        text=f.text, language=item.language, published_at=f.published_at, fetched_at=now,
        province=f.province, sentiment=item.sentiment.value,
        sentiment_by="vader" if item.language == "en" else "rules", **counts,
    )  # fmt: skip
    stmt: Any = values.on_conflict_do_update(
        constraint="uq_social_mentions_channel_external",
        set_={**counts, "author_followers": f.author_followers},
    ).returning(Mention.id, literal_column("(xmax = 0)"))  # xmax 0: inserted
    row = (await session.execute(stmt)).one()
    return int(row[0]), bool(row[1])


async def _add_matches(session: AsyncSession, mention_id: int, found: dict[int, list[str]]) -> None:
    if found:
        rows = [{"mention_id": mention_id, "keyword_id": k, "phrases": p} for k, p in found.items()]
        await session.execute(insert(Match).values(rows).on_conflict_do_nothing())


async def rematch(*, session: AsyncSession, keyword: Keyword, since: datetime | None) -> int:
    """Apply one keyword again to stored mentions (all, or published since `since`)."""
    the_rule = text.Matcher([rule(keyword)])
    stmt = select(Mention.id, Mention.text, Mention.language)
    gone = delete(Match).where(Match.keyword_id == keyword.id)
    if since is not None:
        stmt = stmt.where(Mention.published_at >= since)
        gone = gone.where(Match.mention_id.in_(stmt.with_only_columns(Mention.id)))
    rows = (await session.execute(stmt)).all()
    await session.execute(gone)
    hits = await asyncio.to_thread(lambda: [(r[0], the_rule.match(r[1], r[2])) for r in rows])
    matched = [{"mention_id": m, "keyword_id": keyword.id, "phrases": found[keyword.id]}
               for m, found in hits if found]  # fmt: skip
    for start in range(0, len(matched), 1000):
        await session.execute(insert(Match).values(matched[start : start + 1000]))
    return len(matched)
