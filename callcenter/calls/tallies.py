"""A period's kpi-v1.1 sums in PostgreSQL (queue_metrics.period.PeriodTallies), two scans of
the period's queue calls whatever its length: the report of a year reads no call into Python.

The counting rules are kpi.Tally.add's, written once more in SQL (`_tally`);
tests/integration/test_kpi_sql.py holds the two to the same sums on real and on generated
calls (transfers, calls still in talk, unknown waits, every outcome)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import plan_for_these_values
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size
from queue_metrics.kpi import Tally
from queue_metrics.period import WAIT_BANDS, AgentSums, Bucket, PeriodTallies

_BUCKET = {
    None: "NULL::timestamp",
    Size.quarter: "date_trunc('hour', {t}) + floor(extract(minute FROM {t}) / 15) "
    "* interval '15 minutes'",
    Size.hour: "date_trunc('hour', {t})",
    Size.day: "date_trunc('day', {t})",
    Size.week: "date_trunc('week', {t})",  # ISO weeks: Monday first, like intervals.Size.week
    Size.month: "date_trunc('month', {t})",
    Size.year: "date_trunc('year', {t})",
}


def _bucket(size: Size | None, column: str) -> str:
    return _BUCKET[size].format(t=f"({column} AT TIME ZONE :tz)")


def _band(wait: str) -> str:
    """The wait band's index (queue_metrics.period.band) of `wait`; NULL when unknown."""
    whens = " ".join(f"WHEN {wait} <= {top} THEN {i}" for i, top in enumerate(WAIT_BANDS))
    return f"CASE WHEN {wait} IS NULL THEN NULL {whens} ELSE {len(WAIT_BANDS)} END"


def _sums(wait: str, talk: str, hold: str, wrapup: str, longest: str) -> str:
    """The sums kpi.Tally.add keeps, of a group of calls with one outcome (a group key)."""
    return f"""count(*) AS n,
       count(*) FILTER (WHERE {wait} <= :short) AS le_short,
       count(*) FILTER (WHERE {wait} <= :sl) AS le_sl,
       coalesce(sum({wait}), 0) AS sum_wait,
       count({talk}) AS handled,
       coalesce(sum({talk} + {wrapup}), 0) AS handle_time,
       coalesce(sum({talk}), 0) AS talk_time,
       coalesce(sum({hold}) FILTER (WHERE {talk} IS NOT NULL), 0) AS hold_time,
       max({longest}) AS longest,
       coalesce(sum({wrapup}), 0) AS wrapup_all"""


_PERIOD = "entered_at >= :a AND entered_at < :b AND outcome IS NOT NULL"

# Queue calls in one pass, grouped four ways at once (grouping sets, hashed): by interval, queue
# and outcome (the tallies); with `detail`, also by queue, wait band and outcome (the bands), by
# queue, answering agent and outcome (the agents' sums) and by interval, queue and agent (who
# answered in each interval). Few rows come back: a month by day is some 5,000, where one
# group per interval, queue, band, outcome and agent was 12,600 rows added up in Python.
_QUEUE_SQL = """
SELECT GROUPING(bucket, queue, band, outcome, agent) AS g, bucket, queue, band, outcome, agent,
       {sums}
FROM (SELECT {bucket} AS bucket, queue, {band} AS band, outcome, {agent} AS agent,
             wait_s, talk_s, hold_s, wrapup_s
      FROM queue_calls WHERE {period}) c
GROUP BY GROUPING SETS ({sets})
"""
# GROUPING(bucket, queue, band, outcome, agent): a bit set for each column a set leaves out.
_SETS = {
    0b00101: "(bucket, queue, outcome)",
    0b10001: "(queue, band, outcome)",
    0b10100: "(queue, agent, outcome)",
    0b00110: "(bucket, queue, agent)",
}
_TALLIES, _BANDS, _AGENTS, _ANSWERING = _SETS

# Caller calls (kpi.caller_calls): one per linkedid, in its first entry's interval; its wait is
# the waits up to and including its first answer, its longest wait the larger of that and any
# one queue wait; answered if any part was, else its last part's outcome; handle times summed
# over the answered parts, none while one is still in talk.
# Most callers reach one queue: their call is their one part, and one hashed grouping finds
# them (`one`). Only the few in several queues (transfers, a second try) are put in order, in a
# window over their parts (`part`), partitioned by bytes (COLLATE "C": the same groups as the
# database's collation makes, sorted without strcoll). A window over every call of a year
# sorted 1.2 million rows twice.
_CENTRE_SQL = """
WITH one AS (
  SELECT coalesce(nullif(linkedid, ''), call_id) AS k, count(*) AS parts,
         min(entered_at) AS entered_at, min(outcome) AS outcome, min(wait_s) AS wait_s,
         min(talk_s) AS talk_s, min(hold_s) AS hold_s, min(wrapup_s) AS wrapup_s
  FROM queue_calls WHERE {period}
  GROUP BY 1
), part AS (
  SELECT coalesce(nullif(linkedid, ''), call_id) AS k, entered_at, outcome, wait_s, talk_s,
         hold_s, wrapup_s,
         coalesce(bool_or(outcome = 'answered') OVER w, false) AS after,
         lead(id) OVER w IS NULL AS last
  FROM queue_calls
  WHERE {period}
    AND coalesce(nullif(linkedid, ''), call_id) IN (SELECT k FROM one WHERE parts > 1)
  WINDOW w AS (PARTITION BY coalesce(nullif(linkedid, ''), call_id) COLLATE "C"
               ORDER BY entered_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), caller AS (
  SELECT entered_at, outcome, wait_s,
         CASE WHEN outcome = 'answered' THEN talk_s END AS talk_s,
         CASE WHEN outcome = 'answered' THEN hold_s ELSE 0 END AS hold_s,
         CASE WHEN outcome = 'answered' THEN wrapup_s ELSE 0 END AS wrapup_s,
         wait_s AS single_max
  FROM one WHERE parts = 1
  UNION ALL
  SELECT min(entered_at),
         CASE WHEN bool_or(outcome = 'answered') THEN 'answered'
              ELSE max(outcome) FILTER (WHERE last) END,
         sum(wait_s) FILTER (WHERE NOT after),
         CASE WHEN bool_or(outcome = 'answered' AND talk_s IS NULL) THEN NULL
              ELSE sum(talk_s) FILTER (WHERE outcome = 'answered') END,
         coalesce(sum(hold_s) FILTER (WHERE outcome = 'answered'), 0),
         coalesce(sum(wrapup_s) FILTER (WHERE outcome = 'answered'), 0),
         max(wait_s)
  FROM part GROUP BY k COLLATE "C"  -- the window's order: grouped without sorting again
)
SELECT {bucket} AS bucket, {band} AS band, outcome, {sums}
FROM caller GROUP BY 1, 2, 3
"""
_AGENT = "CASE WHEN outcome = 'answered' THEN nullif(agent, '') END"  # who answered
_LONGEST = "greatest(single_max, wait_s)"  # a caller call's longest wait (kpi.caller_calls)


def _add(tally: Tally, row: Any) -> None:
    """Add one group's sums (all of one outcome) as Tally.add would, call by call."""
    n = int(row.n)
    tally.counts["offered"] += n
    tally.counts[row.outcome] += n
    if row.outcome == "abandoned" and row.le_short:
        tally.counts["short_abandoned"] += int(row.le_short)
    if row.outcome == "answered":
        if row.le_sl:
            tally.counts["answered_within_sl"] += int(row.le_sl)
        tally.answered_wait += int(row.sum_wait)
        tally.handled += int(row.handled)
        tally.handle_time += int(row.handle_time)
        tally.talk_time += int(row.talk_time)
        tally.hold_time += int(row.hold_time)
    if row.longest is not None and (not tally.waits or row.longest > max(tally.waits)):
        tally.waits = Counter({int(row.longest): 1})  # only its maximum is read


def _finished(row: Any) -> int:
    """Of a group: calls whose outcome and talk are known (all but those still in talk)."""
    return int(row.handled) if row.outcome == "answered" else int(row.n)


def _add_band(out: PeriodTallies, queue: str | None, row: Any) -> None:
    if row.band is not None:
        out.band_rows(queue)[row.band][row.outcome != "answered"] += int(row.n)


async def period(
    *,
    sessions: async_sessionmaker[AsyncSession],
    start: datetime,
    end: datetime,
    config: MetricsConfig,
    size: Size | None,
    detail: bool = True,
) -> PeriodTallies:
    """The tallies of the queue calls that entered in [start, end), per interval of `size`;
    without `detail`, no agents and wait bands (far fewer groups). The queue calls' pass and
    the caller calls' run side by side, on two connections."""
    params = {
        "a": start,
        "b": end,
        "tz": config.tz,
        "sl": config.sl_threshold_s,
        "short": config.short_abandon_s,
    }
    out = PeriodTallies()
    band = _band("wait_s") if detail else "NULL::int"
    queue_sql = _QUEUE_SQL.format(
        bucket=_bucket(size, "entered_at"),
        band=band,
        agent=_AGENT if detail else "NULL::text",
        sums=_sums("wait_s", "talk_s", "hold_s", "wrapup_s", "wait_s"),
        period=_PERIOD,
        sets=", ".join(_SETS.values()),  # without detail, band and agent are NULL: few rows
    )
    centre_sql = _CENTRE_SQL.format(
        bucket=_bucket(size, "entered_at"),
        band=band,
        sums=_sums("wait_s", "talk_s", "hold_s", "wrapup_s", _LONGEST),
        period=_PERIOD,
    )

    async def rows(sql: str, *, hashed: bool = False) -> Sequence[Any]:
        async with sessions() as session:
            await plan_for_these_values(session)
            if hashed:
                # PostgreSQL cannot tell how many callers reached one queue only (it guesses
                # 0.5 %) and sorted a year of caller calls for their few groups: 10 s, not 5.
                await session.execute(text("SET LOCAL enable_sort = off"))
            return (await session.execute(text(sql), params)).all()

    queue_rows, centre_rows = await asyncio.gather(rows(queue_sql), rows(centre_sql, hashed=True))
    answering: dict[tuple[Bucket, str | None], set[str]] = {}
    for row in queue_rows:
        if row.g == _TALLIES:
            _add(out.queues.setdefault((row.bucket, row.queue), Tally()), row)
            out.finished += _finished(row)
        elif row.g == _BANDS:
            _add_band(out, row.queue, row)
        elif row.agent is None:
            continue  # the calls no agent answered
        elif row.g == _AGENTS:
            sums = out.agents.setdefault((row.queue, row.agent), AgentSums())
            _add(sums.tally, row)
            sums.wrapup_s += int(row.wrapup_all)
        else:  # _ANSWERING
            answering.setdefault((row.bucket, row.queue), set()).add(row.agent)
            answering.setdefault((row.bucket, None), set()).add(row.agent)
    out.answering = {key: len(names) for key, names in answering.items()}
    for row in centre_rows:
        _add(out.centre.setdefault(row.bucket, Tally()), row)
        _add_band(out, None, row)
    return out


_DIGEST_SQL = """
SELECT count(*) AS n, coalesce(sum(row_digest), 0) AS total
FROM queue_calls
WHERE entered_at >= :a AND entered_at < :b AND outcome IS NOT NULL
  AND (outcome <> 'answered' OR talk_s IS NOT NULL)
"""


async def digest(*, session: AsyncSession, start: datetime, end: datetime) -> tuple[int, int]:
    """(count, checksum) of the finished queue calls of [start, end), as
    callcenter.reconcile.service.digest computes them from queue_log's records (each row's
    share is its stored `row_digest`, models.ROW_DIGEST)."""
    row = (await session.execute(text(_DIGEST_SQL), {"a": start, "b": end})).one()
    return int(row.n), int(row.total)
