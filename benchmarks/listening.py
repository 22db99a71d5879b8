"""Social listening: analysis and storage rate against bare Thai tokenisation, and the
dashboard's main queries at two stored sizes, same run.

1. MENTIONS synthetic Thai/English mentions (held-out sentences recombined, each made
   unique by a random name and number so no cache helps) go through the service's
   analysis (`ingest.analyse`: language, sentiment, every keyword of KEYWORDS); the
   baseline cuts the same texts with PyThaiNLP's newmm and nothing else. Goal: at least
   0.5 of the bare rate.
2. With --store, the same mentions are stored by `ingest.store` (analysis included) in a
   fresh database, in batches as the poller does.
3. The dashboard's main queries (7 days of daily volume per keyword and sentiment, the
   50 most liked mentions of a keyword) on SMALL and then LARGE stored mentions (rows
   made in SQL); goal: the large one at most 3x the small one's time.

    .venv/bin/python benchmarks/listening.py [--mentions 20000] [--store]
        [--small 100000] [--large 1000000] [--repeat 5] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _root  # noqa: F401  (before any project import: see _root.py)
import psycopg
from pythainlp.tokenize import word_tokenize
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import migrate
from callcenter.config import get_settings
from callcenter.db import make_db_engine, make_sessionmaker, transaction
from callcenter.social import analysis, ingest, rollup
from callcenter.social.connectors import Found
from callcenter.social.models import Keyword
from callcenter.social.text import KeywordRule, Matcher
from callcenter.social.text import _thai_words as cached_words

text_words_cache_clear = cached_words.cache_clear

HELDOUT = Path(__file__).resolve().parents[1] / "tests/fixtures/social/thai_sentiment_heldout.jsonl"
KEYWORDS = [
    ("1212", ["สายด่วน"], []), ("คอลเซ็นเตอร์", ["มิจฉาชีพ"], ["รับสมัคร"]), ("บัญชีม้า", [], []),
    ("หลอก", ["โกง", "ฉ้อโกง"], []), ("scam", ["fraud", "phishing"], []), ("ลิงก์", ["SMS"], []),
    ("ดีอี", [], []), ("แอปดูดเงิน", [], []), ("ซื้อของออนไลน์", ["ไม่ได้รับสินค้า"], []),
    ("ตำรวจไซเบอร์", [], []),
]  # fmt: skip
ENGLISH = [
    "Got another scam call today pretending to be the police",
    "Thanks 1212 hotline, the bank froze the account in time",
    "Warning: fake parcel SMS with a phishing link going around",
    "Lost money to an online shop that never delivered",
]
NAMES = ["สมชาย", "นิด", "กิตติ", "วิไล", "ประเสริฐ", "อรทัย", "Anna", "Somsak"]


def texts(count: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    thai = [json.loads(line)["text"] for line in HELDOUT.read_text().splitlines() if line]
    out = []
    for i in range(count):
        body = rng.choice(ENGLISH) if rng.random() < 0.2 else " ".join(rng.sample(thai, 2))
        out.append(f"{body} {rng.choice(NAMES)}{i} #{rng.randrange(10**6)}")
    return out


def matcher() -> Matcher:
    return Matcher([
        KeywordRule.build(keyword_id=i, keyword=k, sub_keywords=s, exclusions=x)
        for i, (k, s, x) in enumerate(KEYWORDS, 1)
    ])  # fmt: skip


def found(bodies: list[str], now: datetime) -> list[Found]:
    return [
        Found(
            channel="x",
            external_id=uuid.uuid4().hex,
            url="https://x.com/i/web/status/1",
            text=b,
            published_at=now - timedelta(minutes=i % 10000),
            author=f"@a{i % 500}",
            author_id=str(i % 500),
            author_followers=i % 5000,
            likes=i % 97,
        )
        for i, b in enumerate(bodies)
    ]


def rate_bare(bodies: list[str]) -> float:
    started = time.perf_counter()
    for body in bodies:
        word_tokenize(body, engine="newmm", keep_whitespace=False)
    return len(bodies) / (time.perf_counter() - started)


def rate_analysis(bodies: list[str], now: datetime) -> float:
    """Mention by mention, the word cache emptied before each: the synthetic texts reuse the
    held-out sentences, which real posts would not (within a mention it serves as it does)."""
    items, rules = found(bodies, now), matcher()
    started = time.perf_counter()
    for item in items:
        text_words_cache_clear()
        ingest.analyse([item], rules)
    return len(items) / (time.perf_counter() - started)


FILL = """
INSERT INTO social_mentions (channel, external_id, url, author, author_id, author_followers,
    text, language, published_at, fetched_at, likes, shares, replies, quotes, sentiment,
    sentiment_by)
SELECT 'x', 'bulk-' || g, 'https://x.com/i/web/status/' || g, '@a' || (g % 5000),
    (g % 5000)::text, g % 100000, 'ข้อความทดสอบ 1212 #' || g, 'th',
    CAST(:now AS timestamptz) - make_interval(secs => (g % 2592000)), CAST(:now AS timestamptz),
    g % 997, g % 131, g % 17, g % 7,
    (ARRAY['negative', 'neutral', 'positive'])[1 + g % 3], 'rules'
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
"""
MATCHES = """
INSERT INTO social_matches (mention_id, keyword_id, phrases)
SELECT id, 1 + (id % CAST(:keywords AS integer)), '[]' FROM social_mentions
WHERE id > CAST(:after AS bigint)
"""


async def query_times(
    sessions: async_sessionmaker[AsyncSession], now: datetime, repeat: int
) -> tuple[float, float]:
    """Median seconds of the volume query and of the ranked mentions query."""
    start, volume, ranked = now - timedelta(days=7), [], []
    filters = analysis.Filters(keyword_id=2, start=start, end=now, sort="likes", limit=50)
    for _ in range(repeat):
        async with sessions() as session:
            began = time.perf_counter()
            await analysis.volume(session=session, start=start, end=now, bucket="day")
            volume.append(time.perf_counter() - began)
            began = time.perf_counter()
            await analysis.mentions(session=session, filters=filters)
            ranked.append(time.perf_counter() - began)
    return statistics.median(volume), statistics.median(ranked)


def _analyze(sync_url: str) -> None:
    owner = migrate.Access.of(sync_url).owner_url()
    dsn = owner.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE social_mentions")
        conn.execute("ANALYZE social_matches")


async def stored(args: argparse.Namespace, bodies: list[str], now: datetime) -> None:
    base = get_settings()
    url = base.database_url.rsplit("/", 1)[0] + f"/bench_social_{uuid.uuid4().hex[:8]}"
    own = base.model_copy(update={"database_url": url})
    migrate.ensure_database(own.sync_database_url)
    migrate.upgrade(own.sync_database_url)
    db_engine = make_db_engine(own.database_url)
    sessions = make_sessionmaker(db_engine)
    try:
        async with transaction(sessions) as session:
            for k, s, x in KEYWORDS:
                row = Keyword(keyword=k, sub_keywords=s, exclusions=x, language="any",
                              active=True, watch=False, created_at=now, updated_at=now)  # fmt: skip
                session.add(row)
        if args.store:
            items = found(bodies, now)
            began = time.perf_counter()
            for at in range(0, len(items), 500):
                async with transaction(sessions) as session:
                    await ingest.store(session=session, found=items[at : at + 500],
                                       source_id=None, now=now)  # fmt: skip
            took = time.perf_counter() - began
            print(f"stored (analysis + database): {len(items) / took:,.0f} mentions/s")
        sizes: list[tuple[int, float]] = []  # (stored, seconds of both queries)
        done = 0
        for size in (args.small, args.large):
            async with transaction(sessions) as session:
                last = await session.scalar(
                    text("SELECT coalesce(max(id), 0) FROM social_mentions")
                )
                await session.execute(text(FILL), {"now": now, "first": done + 1, "last": size})
                await session.execute(text(MATCHES), {"keywords": len(KEYWORDS), "after": last})
                for keyword_id in range(1, len(KEYWORDS) + 1):  # rows made in SQL: count them
                    await rollup.rebuild(session=session, keyword_id=keyword_id, since=None)
            # As autovacuum would in service, and as the tables' owner: ANALYZE by the
            # service role is skipped with a warning (no statistics: at 10 M stored the
            # planner then sorted the week's 2.4 M mentions instead of walking the likes
            # index, 2.8 s instead of 20 ms).
            await asyncio.to_thread(_analyze, own.sync_database_url)
            done = size
            volume, ranked = await query_times(sessions, now, args.repeat)
            sizes.append((size, volume + ranked))
            print(f"dashboard at {size:,} stored: volume {volume * 1000:,.1f} ms + ranked "
                  f"mentions {ranked * 1000:,.1f} ms (medians)")  # fmt: skip
        ratio = sizes[1][1] / sizes[0][1]
        print(f"large / small: {ratio:.2f}x (goal <= 3)")
    finally:
        await db_engine.dispose()
        if args.keep:
            print(f"kept for EXPLAIN: {own.database_url}")
        else:
            migrate.drop_database(own.sync_database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=20_000)
    parser.add_argument("--store", action="store_true")
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database (drop it yourself)")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    bodies = texts(args.mentions)
    for body in texts(200, seed=3):  # both paths warm: newmm's dictionary trie, VADER's lexicon
        word_tokenize(body, engine="newmm")
    ingest.analyse(found(texts(200, seed=4), now), matcher())
    bare = rate_bare(bodies)
    full = rate_analysis(bodies, now)  # bare newmm fills none of the analysis' caches
    print(f"bare newmm tokenisation: {bare:,.0f} mentions/s")
    print(f"analysis (language, sentiment, {len(KEYWORDS)} keywords): {full:,.0f} mentions/s")
    print(f"analysis / bare: {full / bare:.2f} (goal >= 0.5)")
    asyncio.run(stored(args, bodies, now))


if __name__ == "__main__":
    main()
