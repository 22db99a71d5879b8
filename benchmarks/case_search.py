"""Case free-text search: the pg_trgm index vs a sequential scan, same data, same run.

Fills a fresh PostgreSQL database (created and dropped here) with CASES synthetic
Thai/English complaint cases whose search text is built exactly as the service builds
it (`callcenter.cases.search.document`, PyThaiNLP newmm), then times the same queries
(`search.parse` + `search.matches`) with the planner free to use the GIN trigram index
and with index scans switched off (the baseline). Common-word queries match a large
share of the cases; a rare shop name matches a handful; a parcel tracking number one.
Prints mean latencies, the ratio baseline/indexed and how many cases each query found.

    .venv/bin/python benchmarks/case_search.py [--cases 20000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import _root  # noqa: F401  (before any project import: see _root.py)
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import migrate
from callcenter.cases import search
from callcenter.cases.models import Case
from callcenter.config import get_settings
from callcenter.db import make_db_engine, make_sessionmaker

Sessions = async_sessionmaker[AsyncSession]
WORDS = [
    "สั่งซื้อ", "โทรศัพท์มือถือ", "ร้านค้า", "ออนไลน์", "ไม่ได้รับ", "สินค้า", "ส่งช้า", "ชำรุด",
    "หลอกลวง", "ลงทุน", "เงินกู้", "แอปพลิเคชัน", "ลิงก์", "ปลอม", "ธนาคาร", "โอนเงิน", "พนัน",
    "เว็บไซต์", "ข้อมูลส่วนบุคคล", "refund", "parcel", "scam", "loan", "Shopee", "Lazada",
]  # fmt: skip
SYLLABLES = [
    "กา", "นี", "ปู", "มะ", "ลิ", "สา", "ตะ", "วัน", "ดี", "รุ่ง", "เพ็ญ", "ชัย", "ศรี", "ทอง",
    "แก้ว", "บุญ", "ใจ", "ฟ้า", "พร", "สุข",
]  # fmt: skip
QUERIES = ["ไม่ได้รับสินค้า", "มือถือ", "shopee REFUND", "ข้อมูลส่วนบุคคล"]


def _shop(rng: random.Random) -> str:
    """A rare shop name (8000 possible): what a selective search looks for."""
    return "ร้าน" + "".join(rng.choice(SYLLABLES) for _ in range(3))


def _row(rng: random.Random, i: int, now: datetime) -> dict[str, Any]:
    words = [rng.choice(WORDS) + (" " if rng.random() < 0.3 else "") for _ in range(25)]
    parcel = f"th{rng.randrange(10**10):010d}"  # a tracking number: one case each
    description = "".join(words) + f" {_shop(rng)} พัสดุ {parcel}"
    empty = dict.fromkeys(
        ("caller_name", "caller_phone", "caller_phone_norm", "caller_email",
         "caller_national_id", "shop_name", "platform", "url", "resolution"), "",
    )  # fmt: skip
    return empty | {
        "channel": "phone", "status": "new", "service_line": "online-shopping",
        "description": description, "fcr_flag": False, "success_flag": False,
        "created_at": now, "updated_at": now, "number": f"B-{i}",
        "search_doc": search.document([description]),
    }  # fmt: skip


async def _fill(sessions: Sessions, n: int) -> str:
    """Store the cases; returns the tracking number of one of them."""
    rng, now = random.Random(1212), datetime.now(UTC)
    rows = [_row(rng, i, now) for i in range(n)]
    async with sessions() as session, session.begin():
        for start in range(0, n, 2000):
            await session.execute(insert(Case), rows[start : start + 2000])
        await session.execute(text("ANALYZE cases"))
    return str(rows[n // 2]["description"]).rsplit(" ", 1)[-1].upper()


async def _time(
    sessions: Sessions, pieces: list[search.Piece], repeat: int, *, seqscan: bool
) -> tuple[float, int]:
    stmt = select(func.count()).select_from(Case).where(search.matches(Case.search_doc, pieces))
    async with sessions() as session:
        if seqscan:
            await session.execute(text("SET enable_bitmapscan = off"))
            await session.execute(text("SET enable_indexscan = off"))
        found = (await session.execute(stmt)).scalar_one()  # warm-up
        start = time.perf_counter()
        for _ in range(repeat):
            await session.execute(stmt)
        return (time.perf_counter() - start) / repeat, int(found)


async def main(cases: int, repeat: int) -> None:
    url = get_settings().database_url.rsplit("/", 1)[0] + f"/bench_cases_{uuid.uuid4().hex[:8]}"
    sync_url = url.replace("+asyncpg", "+psycopg")
    migrate.ensure_database(sync_url)
    # No prepared-statement cache: a plan cached with index scans on would survive the SET.
    engine = make_db_engine(url + "?prepared_statement_cache_size=0")
    try:
        migrate.upgrade(sync_url)
        sessions = make_sessionmaker(engine)
        t0 = time.perf_counter()
        parcel = await _fill(sessions, cases)
        print(f"{cases} cases tokenised and stored in {time.perf_counter() - t0:.1f} s")
        rare = [_shop(random.Random(1212)), _shop(random.Random(7)), parcel]
        for query in [*QUERIES, *rare]:
            pieces = search.parse(query)
            indexed, n1 = await _time(sessions, pieces, repeat, seqscan=False)
            scan, n2 = await _time(sessions, pieces, repeat, seqscan=True)
            assert n1 == n2, (query, n1, n2)
            print(
                f"{query!r:22} found {n1:6}  trigram {indexed * 1000:7.2f} ms  "
                f"seqscan {scan * 1000:7.2f} ms  ratio seqscan/trigram {scan / indexed:5.2f}"
            )
    finally:
        await engine.dispose()
        migrate.drop_database(sync_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Case search: trigram index vs seqscan.")
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.repeat))
