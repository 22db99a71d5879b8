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

from callcenter.social import model, rollup, sentiment, text
from callcenter.social.connectors import Found
from callcenter.social.models import Keyword, Match, Mention


@dataclass(frozen=True)
class Analysed:
    found: Found
    language: str
    sentiment: sentiment.Sentiment
    matches: dict[int, list[str]]
    thai_by: str = "rules"  # what classified it when it is not English: 'rules' or 'model'


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
                            rules.match(item.text, lang), sentiment.thai_by()))  # fmt: skip
    return out


CHUNK = 500  # rows a statement: 19 columns each, well under PostgreSQL's 32767 parameters
MATCH_CHUNK = 5000  # 3 parameters a match
COUNTS = ("likes", "shares", "replies", "quotes", "author_followers")


async def store(
    *, session: AsyncSession, found: Sequence[Found], source_id: int | None, now: datetime
) -> int:
    """Store the mentions; how many were new."""
    if not found:
        return 0
    rules = await matcher(session=session)
    await model.ensure(session)
    done = await asyncio.to_thread(analyse, _unique(found), rules)
    new = 0
    for at in range(0, len(done), CHUNK):
        new += await _store_chunk(session, done[at : at + CHUNK], source_id, now)
    return new


def _unique(found: Sequence[Found]) -> list[Found]:
    """One of each (channel, external id): pages can overlap while new posts arrive."""
    return list({(f.channel, f.external_id): f for f in found}.values())


def _row(item: Analysed, source_id: int | None, now: datetime) -> dict[str, Any]:
    f = item.found
    return {
        "channel": f.channel, "external_id": f.external_id, "source_id": source_id,
        "url": f.url, "author": f.author[:255], "author_id": f.author_id[:255],
        "author_followers": f.author_followers, "text": f.text, "language": item.language,
        "published_at": f.published_at, "fetched_at": now, "province": f.province,
        "sentiment": item.sentiment.value,
        "sentiment_by": "vader" if item.language == "en" else item.thai_by,
        "likes": f.likes, "shares": f.shares, "replies": f.replies, "quotes": f.quotes,
    }  # fmt: skip


async def _store_chunk(
    session: AsyncSession, items: Sequence[Analysed], source_id: int | None, now: datetime
) -> int:
    """One upsert for the chunk: new mentions inserted, known ones get their new counts."""
    values = insert(Mention).values([_row(item, source_id, now) for item in items])
    stmt: Any = values.on_conflict_do_update(
        constraint="uq_social_mentions_channel_external",
        set_={name: values.excluded[name] for name in COUNTS},
    ).returning(
        Mention.id, Mention.channel, Mention.external_id,
        literal_column("(xmax = 0)"),  # xmax 0: this row was inserted, not updated
    )  # fmt: skip
    inserted = {(c, e): int(i) for i, c, e, new in await session.execute(stmt) if new}
    matches = [
        {"mention_id": inserted[key], "keyword_id": k, "phrases": phrases}
        for item in items
        if (key := (item.found.channel, item.found.external_id)) in inserted
        for k, phrases in item.matches.items()
    ]
    for at in range(0, len(matches), MATCH_CHUNK):
        chunk = matches[at : at + MATCH_CHUNK]
        await session.execute(insert(Match).values(chunk).on_conflict_do_nothing())
    counted = [
        (k, item.found.published_at, item.found.channel, item.sentiment.value)
        for item in items
        if (item.found.channel, item.found.external_id) in inserted
        for k in item.matches
    ]
    await rollup.add(session=session, counts=counted)
    return len(inserted)


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
    for start in range(0, len(matched), MATCH_CHUNK):
        await session.execute(insert(Match).values(matched[start : start + MATCH_CHUNK]))
    await rollup.rebuild(session=session, keyword_id=keyword.id, since=since)
    return len(matched)
