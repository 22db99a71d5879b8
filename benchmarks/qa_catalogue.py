"""QA catalogue page: what the true total (COUNT of every match) adds to a page of 50 rows.

Fills a fresh PostgreSQL database (created and dropped here) with RECORDINGS synthetic
catalogue rows over 30 days (6 queues, 24 agents), a QA evaluation on one in five (one in
ten of those a critical fail) and a complaint case on one in ten calls. Then times, for
the QA page's usual searches, the page as before (`service.search` + `service.linked`:
50 rows, newest first) and the page with its total (`service.count` added), same
session, interleaved. Prints mean latencies, the ratio with/without the total and the
total each search found.

    .venv/bin/python benchmarks/qa_catalogue.py [--recordings 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import _root  # noqa: F401  (before any project import: see _root.py)
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import migrate
from callcenter.cases.models import Case, CaseCall
from callcenter.config import get_settings
from callcenter.db import make_db_engine, make_sessionmaker
from recordings import service
from recordings.models import QaEvaluation, Recording
from recordings.service import RecordingFilter

Sessions = async_sessionmaker[AsyncSession]
QUEUES = ["online-shopping", "illegal-websites", "cyber-threats", "digital-law",
          "digital-platforms", "general-enquiries"]  # fmt: skip
AGENTS = [f"agent{i:02d}" for i in range(1, 25)]


async def _fill(sessions: Sessions, n: int, now: datetime) -> None:
    rng = random.Random(1212)
    async with sessions() as session, session.begin():
        user = (await session.execute(text(
            "INSERT INTO users (username, display_name, role, password_hash) "
            "VALUES ('bench-qa', 'bench', 'qa', 'x') RETURNING id"))).scalar_one()  # fmt: skip
        form = (await session.execute(text("SELECT min(id) FROM qa_forms"))).scalar_one()
        empty = dict.fromkeys(
            ("caller_name", "caller_phone", "caller_phone_norm", "caller_email",
             "caller_national_id", "shop_name", "platform", "url", "resolution", "search_doc"),
            "",
        )  # fmt: skip
        case = (await session.execute(insert(Case).returning(Case.id), [empty | {
            "channel": "phone", "status": "new", "service_line": "online-shopping",
            "description": "bench", "fcr_flag": False, "success_flag": False,
            "created_at": now, "updated_at": now, "number": "BENCH-1",
        }])).scalar_one()  # fmt: skip
        for start in range(0, n, 5000):
            rows: list[dict[str, Any]] = []
            for i in range(start, min(n, start + 5000)):
                at = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
                length = rng.uniform(20, 900)
                rows.append({
                    "uniqueid": f"u{i}", "linkedid": f"l{i}", "kind": "queue",
                    "queue": rng.choice(QUEUES), "agent": rng.choice(AGENTS), "member": "",
                    "caller": f"08{rng.randrange(10**8):08d}", "started_at": at,
                    "ended_at": at + timedelta(seconds=length), "duration_s": length,
                    "codec": "vorbis", "size_bytes": 1, "sha256": "0" * 64, "bucket": "b",
                    "object_key": f"k{i}", "upload_state": "verified", "legal_hold": False,
                    "incomplete": False,
                })  # fmt: skip
            ids = (await session.execute(
                insert(Recording).returning(Recording.id), rows)).scalars().all()  # fmt: skip
            evals = []
            for r in ids:
                if rng.random() < 0.2:
                    failed = rng.random() < 0.1
                    evals.append({"recording_id": r, "form_id": form, "evaluator_id": user,
                                  "ratings": {}, "score": 0.0 if failed else rng.uniform(40, 100),
                                  "critical_fail": failed, "comments": "",
                                  "item_comments": {}})  # fmt: skip
            if evals:
                await session.execute(insert(QaEvaluation), evals)
            links = [{"case_id": case, "linkedid": f"l{i}"}
                     for i in range(start, min(n, start + 5000)) if rng.random() < 0.1]  # fmt: skip
            if links:
                await session.execute(insert(CaseCall), links)
        for table in ("recordings", "qa_evaluations", "case_calls"):
            await session.execute(text(f"ANALYZE {table}"))


async def _page(sessions: Sessions, f: RecordingFilter, *, total: bool) -> int:
    async with sessions() as session:
        rows = await service.search(session=session, filters=f)
        await service.linked(session=session, rows=rows)
        return await service.count(session=session, filters=f) if total else len(rows)


async def main(recordings: int, repeat: int) -> None:
    url = get_settings().database_url.rsplit("/", 1)[0] + f"/bench_qa_{uuid.uuid4().hex[:8]}"
    sync_url = url.replace("+asyncpg", "+psycopg")
    migrate.ensure_database(sync_url)
    engine = make_db_engine(url)
    now = datetime.now(UTC)
    try:
        migrate.upgrade(sync_url)
        sessions = make_sessionmaker(engine)
        t0 = time.perf_counter()
        await _fill(sessions, recordings, now)
        print(f"{recordings} recordings stored in {time.perf_counter() - t0:.1f} s")
        day = now - timedelta(days=3)
        searches = {
            "everything": RecordingFilter(),
            "one agent": RecordingFilter(agent="agent07"),
            "one queue, one day": RecordingFilter(queue="cyber-threats", start=day,
                                                  end=day + timedelta(days=1)),
            "longer than 10 min": RecordingFilter(min_duration_s=600),
            "score 90-100": RecordingFilter(min_score=90, max_score=100),
            "critical fail": RecordingFilter(critical=True),
            "linked to a case": RecordingFilter(has_case=True),
        }  # fmt: skip
        for name, f in searches.items():
            f = RecordingFilter(**{**f.__dict__, "limit": 50})
            found = await _page(sessions, f, total=True)  # warm-up
            await _page(sessions, f, total=False)
            before = after = 0.0
            for _ in range(repeat):
                t = time.perf_counter()
                await _page(sessions, f, total=False)
                before += time.perf_counter() - t
                t = time.perf_counter()
                await _page(sessions, f, total=True)
                after += time.perf_counter() - t
            print(
                f"{name:20} total {found:7}  page {before / repeat * 1000:7.2f} ms  "
                f"page+total {after / repeat * 1000:7.2f} ms  ratio {after / before:5.2f}"
            )
    finally:
        await engine.dispose()
        migrate.drop_database(sync_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="QA catalogue page: cost of the true total.")
    parser.add_argument("--recordings", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.recordings, args.repeat))
