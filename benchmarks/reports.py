"""Report packs on a year of synthetic history: build time vs the bare SQL aggregates.

Fills a fresh PostgreSQL database (created and dropped here) with CALLS queue calls spread
over 2025, CASES complaint cases (the seeded taxonomy, some referred, some success cases) and
40 agents' log-ins, pauses and rings not answered (agent_events); 2024 is the same centre
(the same agents' days) with CALLS/100 calls and CASES/100 cases. Straight in SQL
(generate_series); no callback tasks (their table is read, empty). Then, in one run:

- the bare SQL aggregates the annual pack shows (per month and queue: outcomes, SL, ASA,
  AHT, max wait; the centre's caller calls per month; per agent, and their time; wait bands;
  cases per category; referrals; callbacks), and the previous period's headline, timed;
- the annual pack of 2025 and the monthly pack of 2025-06, built as the service builds
  them (`callcenter.reports.build.build`), timed;
- the annual pack of 2024 (100× fewer calls), for the scaling ratio;
- the peak resident memory of the process.

Bare and packs run in turns, `--rounds` times (3), and each figure is the median of its runs.

Goals (issue 14): pack ≤ 3× the bare aggregates; 100× the data ≤ 3× the time.

    flock /tmp/cc-stack.lock .venv/bin/python benchmarks/reports.py \
        [--calls 1200000] [--cases 300000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import _root  # noqa: F401  (before any project import: see _root.py)
from rich.progress import track
from sqlalchemy import text

from callcenter import centre, migrate
from callcenter.config import get_settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.kpi import service as kpi_service
from callcenter.reconcile.service import Reconciler
from callcenter.reports import build as pack_build
from callcenter.reports import periods
from callcenter.reports.sources import sources

CALLS_SQL = """
INSERT INTO queue_calls (call_id, linkedid, queue, entered_at, caller, outcome, wait_s,
    ended_at, agent, answered_at, talk_s, hold_s, wrapup_s, source)
SELECT 'b' || :year || '-' || i, 'b' || :year || '-' || i,
       (ARRAY['online-shopping','illegal-websites','cyber-threats','digital-law',
              'digital-platforms','general-enquiries'])[1 + i % 6],
       t, '08' || lpad((i % 100000000)::text, 8, '0'),
       o, w, t + make_interval(secs => w + CASE WHEN o = 'answered' THEN 200 ELSE 0 END),
       CASE WHEN o = 'answered' THEN 'agent' || lpad((1 + i % :agents)::text, 2, '0') END,
       CASE WHEN o = 'answered' THEN t + make_interval(secs => w) END,
       CASE WHEN o = 'answered' THEN 120 + (i * 7) % 400 END, 0,
       CASE WHEN o = 'answered' THEN 15 ELSE 0 END, 'ami'
FROM (
  SELECT i,
         make_timestamptz(:year, 1, 1, 0, 0, 0, 'Asia/Bangkok')
           + make_interval(secs => (i::float8 / :n) * 365 * 86400) AS t,
         CASE WHEN i % 100 < 88 THEN 'answered' WHEN i % 100 < 96 THEN 'abandoned'
              WHEN i % 100 < 98 THEN 'timeout' ELSE 'no_agents' END AS o,
         (i * 13) % 90 AS w
  FROM generate_series(1, :n) AS i
) s
"""
CASES_SQL = """
INSERT INTO cases (number, channel, status, caller_name, caller_phone, caller_phone_norm,
    caller_email, caller_national_id, service_line, category_id, description, shop_name,
    platform, url, resolution, fcr_flag, success_flag, created_at, updated_at, closed_at,
    search_doc)
SELECT 'B' || :year || '-' || i, 'phone', CASE WHEN i % 3 = 0 THEN 'closed' ELSE 'new' END,
       '', '', '08' || lpad((i % 100000000)::text, 8, '0'), '', '', c.service_line, c.id,
       'synthetic case ' || i, '', '', '', CASE WHEN i % 500 = 0 THEN 'refund made' ELSE '' END,
       i % 4 <> 0, i % 500 = 0, t, t, CASE WHEN i % 3 = 0 THEN t END, ''
FROM (
  SELECT i, make_timestamptz(:year, 1, 1, 0, 0, 0, 'Asia/Bangkok')
              + make_interval(secs => (i::float8 / :n) * 365 * 86400) AS t,
         (SELECT array_agg(id ORDER BY id) FROM case_categories) AS ids
  FROM generate_series(1, :n) AS i
) s JOIN case_categories c ON c.id = s.ids[1 + s.i % array_length(s.ids, 1)]
"""
REFERRALS_SQL = """
INSERT INTO case_referrals (case_id, agency, referred_at, note, returned, returned_note)
SELECT c.id, (SELECT code FROM case_agencies ORDER BY code LIMIT 1), c.created_at, '',
       c.id % 5 = 0, ''
FROM cases c WHERE c.id % 7 = 0
"""

# 40 agents' days: logged in to three queues 08:00-17:00, a break, lunch and training
# (paused in every queue), two rings not answered (agent_events, as queue_log's member lines).
AGENTS_SQL = """
INSERT INTO agent_events (at, agent, queue, kind, reason)
SELECT d + make_interval(secs => o.sec + a * 7
                         + CASE WHEN o.kind = 'rna' AND q.queue = 'cyber-threats' THEN 7200
                                ELSE 0 END),
       'agent' || lpad(a::text, 2, '0'), q.queue, o.kind, o.reason
FROM generate_series(make_timestamptz(:year, 1, 1, 0, 0, 0, 'Asia/Bangkok'),
                     make_timestamptz(:year, 12, 31, 0, 0, 0, 'Asia/Bangkok'),
                     interval '1 day') d
CROSS JOIN generate_series(1, :agents) a
CROSS JOIN (VALUES ('online-shopping'), ('cyber-threats'), ('general-enquiries')) q(queue)
CROSS JOIN (VALUES (28800, 'add', ''), (36000, 'pause', 'break'), (36900, 'unpause', ''),
                   (43200, 'pause', 'lunch'), (46800, 'unpause', ''),
                   (54000, 'pause', 'training'), (55800, 'unpause', ''),
                   (39600, 'rna', ''),
                   (61200, 'remove', '')) o(sec, kind, reason)
WHERE o.kind <> 'rna' OR q.queue <> 'general-enquiries'
"""

# What the annual pack shows, as plain SQL over the same rows (the baseline).
AGGREGATES = {
    "month x queue outcomes, SL, ASA, AHT, max wait": """
        SELECT date_trunc('month', entered_at AT TIME ZONE 'Asia/Bangkok') m, queue,
               count(*), count(*) FILTER (WHERE outcome = 'answered'),
               count(*) FILTER (WHERE outcome = 'abandoned' AND wait_s <= 5),
               count(*) FILTER (WHERE outcome = 'answered' AND wait_s <= 15),
               avg(wait_s) FILTER (WHERE outcome = 'answered'),
               avg(talk_s + wrapup_s) FILTER (WHERE outcome = 'answered'), max(wait_s),
               count(*) FILTER (WHERE outcome = 'timeout'),
               count(*) FILTER (WHERE outcome = 'no_agents')
        FROM queue_calls WHERE entered_at >= :a AND entered_at < :b GROUP BY 1, 2""",
    # The centre counts each caller's call once (kpi-v1 section 1): its queue calls grouped
    # by linkedid first (the bare form: no ordering of the parts), then per month.
    "centre per month (caller calls)": """
        SELECT date_trunc('month', t AT TIME ZONE 'Asia/Bangkok'), count(*),
               count(*) FILTER (WHERE ans AND w <= 15), max(w)
        FROM (SELECT min(entered_at) t, bool_or(outcome = 'answered') ans, sum(wait_s) w
              FROM queue_calls WHERE entered_at >= :a AND entered_at < :b
              GROUP BY coalesce(nullif(linkedid, ''), call_id)) c GROUP BY 1""",
    "per agent": """
        SELECT agent, count(*), avg(talk_s + wrapup_s), avg(wait_s) FROM queue_calls
        WHERE entered_at >= :a AND entered_at < :b AND outcome = 'answered' GROUP BY 1""",
    "wait bands": """
        SELECT width_bucket(wait_s, ARRAY[16, 31, 61, 121, 301]), outcome = 'answered', count(*)
        FROM queue_calls WHERE entered_at >= :a AND entered_at < :b GROUP BY 1, 2""",
    "cases per category, FCR": """
        SELECT service_line, category_id, count(*), count(*) FILTER (WHERE fcr_flag)
        FROM cases WHERE created_at >= :a AND created_at < :b AND voided_at IS NULL
        GROUP BY 1, 2""",
    "referrals per agency": """
        SELECT r.agency, count(*), count(*) FILTER (WHERE r.returned) FROM case_referrals r
        JOIN cases c ON c.id = r.case_id WHERE c.created_at >= :a AND c.created_at < :b
        GROUP BY 1""",
    "agent time (lead over each member's events)": """
        SELECT agent, kind, reason, sum(extract(epoch FROM nxt - at)), count(*)
        FROM (SELECT agent, kind, reason, at,
                     lead(at) OVER (PARTITION BY agent, queue ORDER BY at) AS nxt
              FROM agent_events WHERE at >= :a AND at < :b) x
        GROUP BY 1, 2, 3""",
    "callbacks": """
        SELECT count(*), count(*) FILTER (WHERE first_dial_at <= dropped_at + interval '30 min')
        FROM callback_tasks WHERE dropped_at >= :a AND dropped_at < :b""",
}


# A pack compares its period with the previous one (headline and cases by category): the
# bare form of that is these aggregates over the previous period as well.
PREVIOUS = (
    "month x queue outcomes, SL, ASA, AHT, max wait",
    "centre per month (caller calls)",
    "cases per category, FCR",
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(calls: int, cases: int, agents: int, rounds: int) -> None:
    base = get_settings()
    url = base.database_url.rsplit("/", 1)[0] + f"/bench_reports_{uuid.uuid4().hex[:8]}"
    sync_url = url.replace("+asyncpg", "+psycopg")
    migrate.ensure_database(sync_url)
    engine = make_db_engine(url)
    queue_log = Path(tempfile.mkdtemp()) / "queue_log"
    queue_log.write_text("")
    settings = base.model_copy(update={"database_url": url, "queue_log_path": queue_log})
    try:
        migrate.upgrade(sync_url)
        t0 = time.perf_counter()
        async with engine.begin() as conn:
            # 2024: the same centre (40 agents, their days) with a hundredth of the calls and
            # of the cases they bring
            for year, share in ((2025, 1), (2024, 100)):
                n = max(1, calls // share)
                await conn.execute(text(CALLS_SQL), {"year": year, "n": n, "agents": agents})
                await conn.execute(text(AGENTS_SQL), {"year": year, "agents": agents})
                await conn.execute(text(CASES_SQL), {"year": year, "n": max(1, cases // share)})
            await conn.execute(text(REFERRALS_SQL))
        # After the commit, as autovacuum would: inside the loading transaction ANALYZE saw
        # almost none of the new rows, and plans made for a few rows ran for minutes.
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        print(f"{calls} + {calls // 100} calls, {cases} + {cases // 100} cases, {agents} agents' "
              f"days stored in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        sessions = make_sessionmaker(engine)
        layout = centre.load(settings.conf_dir)
        config = kpi_service.metrics_config(
            layout, sl_threshold_s=settings.sl_threshold_s,
            short_abandon_s=settings.short_abandon_s,
        )  # fmt: skip
        reconciler = Reconciler(settings=settings, sessions=sessions, config=config)
        src = sources(settings, sessions=sessions, reconciler=reconciler, config=config)

        async def bare(period: periods.Period) -> float:
            a, b = period.bounds(src.tz)
            start = time.perf_counter()
            p_a, p_b = period.previous().bounds(src.tz)
            async with engine.connect() as conn:
                for sql in AGGREGATES.values():
                    (await conn.execute(text(sql), {"a": a, "b": b})).all()
                for name in PREVIOUS:
                    (await conn.execute(text(AGGREGATES[name]), {"a": p_a, "b": p_b})).all()
            return time.perf_counter() - start

        async def pack(period: periods.Period) -> float:
            start = time.perf_counter()
            await pack_build.build(src, period, lang="th", built_at=datetime.now(UTC))
            return time.perf_counter() - start

        small = periods.parse("annual", "2024")
        year = periods.parse("annual", "2025")
        month = periods.parse("monthly", "2025-06")
        await bare(small)  # warm the cache
        await pack(month)
        # Bare and pack in turns, `rounds` times, and the median of each: the machine is
        # shared, and a burst of another's work should not land on one side only.
        times: dict[str, list[float]] = {}
        for _ in track(range(rounds), description="bare SQL and packs, in turns"):
            for name, run in (
                ("bare month", lambda: bare(month)), ("pack month", lambda: pack(month)),
                ("bare year", lambda: bare(year)), ("pack year", lambda: pack(year)),
                ("pack small", lambda: pack(small)),
            ):  # fmt: skip
                times.setdefault(name, []).append(await run())
        t = {name: statistics.median(v) for name, v in times.items()}
        print(f"medians of {rounds} rounds; peak RSS {peak_mb():.0f} MB")
        print(f"annual 2024 ({calls // 100} calls): pack {t['pack small']:.2f} s")
        print(f"monthly 2025-06: pack {t['pack month']:.2f} s, bare SQL {t['bare month']:.3f} s, "
              f"ratio {t['pack month'] / t['bare month']:.1f}x (goal <= 3)")  # fmt: skip
        ratio = t["pack year"] / t["bare year"]
        print(f"annual 2025 ({calls} calls): pack {t['pack year']:.2f} s, bare SQL "
              f"{t['bare year']:.3f} s, ratio {ratio:.1f}x (goal <= 3)")  # fmt: skip
        print(f"scaling: 100x the calls cost {t['pack year'] / t['pack small']:.1f}x the time "
              "(goal <= 3)")  # fmt: skip
    finally:
        await engine.dispose()
        migrate.drop_database(sync_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Report packs vs bare SQL aggregates.")
    parser.add_argument("--calls", type=int, default=1_200_000)
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3, help="bare/pack turns (medians)")
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.cases, args.agents, args.rounds))
