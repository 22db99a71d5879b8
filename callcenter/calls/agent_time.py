"""Queue members' events from queue_log, stored (agent_events), and their time in a period in
SQL: queue_metrics.agent_time is the reference, tests hold the two equal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import AgentEvent
from queue_metrics.agent_time import AgentTime, MemberEvent

# A member's state at a period's start is their last event before it, looked for this far
# back: an agent logged in without a single event for longer counts as logged out.
LOOKBACK = timedelta(days=35)


async def store(*, session: AsyncSession, events: Iterable[MemberEvent]) -> int:
    """Insert the events not stored yet (queue_log read again stores nothing twice)."""
    rows = [
        {
            "at": datetime.fromtimestamp(e.at, tz=UTC),
            "agent": e.agent[:64],
            "queue": e.queue[:64],
            "kind": e.kind,
            "reason": e.reason[:64],
            "ring_ms": e.ring_ms,
        }
        for e in events
    ]
    if not rows:
        return 0
    stmt = insert(AgentEvent).on_conflict_do_nothing(constraint="uq_agent_events_agent")
    await session.execute(stmt, rows)
    return len(rows)


# Partitions and sorts on text compare bytes (COLLATE "C": the same groups, the database's
# C.UTF-8 collation compared a year's 350,000 events' names through strcoll, without
# abbreviated keys).
_TIME_SQL = """
WITH before AS (
  SELECT DISTINCT ON (agent COLLATE "C", queue COLLATE "C") id, at, agent, queue, kind, reason
  FROM agent_events
  WHERE at < :a AND at >= :since AND kind IN ('add', 'remove', 'pause', 'unpause') {queue}
  ORDER BY agent COLLATE "C", queue COLLATE "C", at DESC, id DESC
), ev AS (
  SELECT id, at, agent, queue, kind, reason FROM before
  UNION ALL
  SELECT id, at, agent, queue, kind, reason FROM agent_events
  WHERE at >= :a AND at < :stop AND kind IN ('add', 'remove', 'pause', 'unpause') {queue}
), seg AS (
  SELECT agent, kind, reason, greatest(at, :a) AS s,
         least(coalesce(lead(at) OVER (PARTITION BY agent COLLATE "C", queue COLLATE "C"
                                       ORDER BY at, id), :stop),
               :stop) AS e
  FROM ev
), span AS (  -- the same span in several queues (paused in all at once) once
  SELECT 'login' AS what, agent, '' AS reason, s, e FROM seg WHERE kind <> 'remove' AND e > s
  UNION
  SELECT 'pause', agent, '', s, e FROM seg WHERE kind = 'pause' AND e > s
  UNION
  SELECT 'reason', agent, reason, s, e FROM seg WHERE kind = 'pause' AND e > s
), reach AS (
  SELECT *, max(e) OVER (PARTITION BY what COLLATE "C", agent COLLATE "C", reason COLLATE "C"
                         ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
              AS before_e
  FROM span
), island AS (
  SELECT *, sum(CASE WHEN before_e IS NULL OR s > before_e THEN 1 ELSE 0 END)
              OVER (PARTITION BY what COLLATE "C", agent COLLATE "C", reason COLLATE "C"
                    ORDER BY s, e) AS n
  FROM reach
)
SELECT what, agent, reason, sum(extract(epoch FROM (e - s)))::float8 AS seconds
FROM (SELECT what, agent, reason, n, min(s) AS s, max(e) AS e
      FROM island GROUP BY what, agent, reason, n) merged
GROUP BY what, agent, reason
"""

_RNA_SQL = """
SELECT agent, count(*) AS n FROM agent_events
WHERE kind = 'rna' AND at >= :a AND at < :stop {queue}
GROUP BY agent
"""


async def time_in_states(
    *, session: AsyncSession, start: datetime, stop: datetime, queue: str | None = None
) -> dict[str, AgentTime]:
    """queue_metrics.agent_time.time_in_states of the stored events, in SQL."""
    params: dict[str, Any] = {"a": start, "stop": stop, "since": start - LOOKBACK}
    only = ""
    if queue is not None:
        params["queue"] = queue
        only = "AND queue = :queue"
    out: dict[str, AgentTime] = {}
    if stop > start:
        for what, agent, reason, seconds in await session.execute(
            text(_TIME_SQL.format(queue=only)), params
        ):
            t = out.setdefault(agent, AgentTime())
            if what == "login":
                t.logged_in_s = seconds
            elif what == "pause":
                t.paused_s = seconds
            else:
                t.paused_by_reason[reason] = seconds
        for agent, n in await session.execute(text(_RNA_SQL.format(queue=only)), params):
            out.setdefault(agent, AgentTime()).ring_no_answer = int(n)
    return out
