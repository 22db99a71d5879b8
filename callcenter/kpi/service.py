"""The kpi-v1.1 report of a period: the stored calls' sums (SQL) → queue_metrics' formulas,
plus completeness against queue_log."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.callbacks import figures as cb_figures
from callcenter.calls import agent_time, tallies
from callcenter.cases import kpi as case_kpi
from callcenter.centre import Centre
from callcenter.csat import service as csat_service
from callcenter.db import plan_for_these_values
from callcenter.errors import InvalidInput
from callcenter.ivrcalls import service as ivr_service
from queue_metrics import period
from queue_metrics.agent_time import AgentTime
from queue_metrics.agent_time import rates as agent_rates
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size
from queue_metrics.kpi import Tally
from queue_metrics.records import DEFINITION, CallRecord
from recordings import service as rec_service

INTERVALS = {s.value: s for s in Size}


class Completeness(Protocol):
    async def queue_log_digest(self, *, start: datetime, end: datetime) -> tuple[int, int]:
        """(count, checksum) of queue_log's finished calls that entered in [start, end)."""
        ...


async def period_report(
    *,
    sessions: async_sessionmaker[AsyncSession],
    reconciler: Completeness,
    config: MetricsConfig,
    callback_window_s: float,
    start: datetime,
    end: datetime,
    queue: str | None,
    interval: str | None,
    detail: bool = False,
    calls_detail: bool | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What `GET /api/v1/kpi` and `callcenter kpi --json` answer: the queue KPIs with
    completeness, the callback KPIs and fcr_pct beside the agent-flagged figure (docs/kpi-v1.md).

    `detail` adds what the report packs show beyond the headline (kpi-v1.1 "Detail"): the
    figures per agent, agents answering per interval, cases per category and referrals, and
    the vault's recordings kept for the contract's 180 days, callbacks by state and outcome.
    Agents' time in a period not over yet counts up to `now` (default: the clock).
    `calls_detail=False` leaves out the calls' part of it (per agent, by wait band): a pack's
    previous period needs only its headline and cases."""
    calls_detail = detail if calls_detail is None else calls_detail
    size = INTERVALS[interval] if interval is not None else None
    stop = min(end, now or datetime.now(UTC))

    async def calls() -> tuple[period.PeriodTallies, bool]:
        sums = await tallies.period(
            sessions=sessions, start=start, end=end, config=config, size=size,
            detail=calls_detail,
        )  # fmt: skip
        async with sessions() as session:
            theirs = await reconciler.queue_log_digest(start=start, end=end)
            # Complete when the stored finished calls are queue_log's, call by call (same
            # caller channel, queue, outcome, wait and talk: the checksum of both sides).
            complete = theirs[0] == sums.finished and theirs == await tallies.digest(
                session=session, start=start, end=end
            )
            return sums, complete

    async def case_figures() -> dict[str, Any]:
        async with sessions() as session:
            cases = await case_kpi.figures(session=session, start=start, end=end, queue=queue)
            csat = await csat_service.kpis(session=session, start=start, end=end, queue=queue)
            ivr = await ivr_service.kpis(session=session, start=start, end=end, queue=queue)
            return cases | csat | ivr

    async def the_rest() -> tuple[Any, ...]:
        async with sessions() as session:
            await plan_for_these_values(session)
            times = (
                await agent_time.time_in_states(
                    session=session, start=start, stop=stop, queue=queue
                )
                if calls_detail
                else None
            )
            callbacks = await cb_figures.kpis(
                session=session, start=start, end=end, queue=queue, window_s=callback_window_s
            )
            taxonomy = (
                await case_kpi.by_category(session=session, start=start, end=end, queue=queue)
                if detail
                else None
            )
            vault = (
                await rec_service.retention_figures(
                    session=session, start=start, end=end, queue=queue
                )
                if detail
                else {}
            )
            if detail:
                vault["callback_outcomes"] = await cb_figures.outcomes(
                    session=session, start=start, end=end, queue=queue
                )
            return times, callbacks, taxonomy, vault

    # Connections side by side: PostgreSQL runs the period's large queries at once.
    (sums, complete), cases, (times, callbacks, taxonomy, vault) = await asyncio.gather(
        calls(), case_figures(), the_rest()
    )
    body = assemble(
        sums, config=config, queue=queue, size=size, complete=complete, detail=calls_detail,
        times=times,
    )  # fmt: skip
    # CSAT and the IVR's routing beside each queue's other figures
    for row in [*cases.pop("csat_by_queue"), *cases.pop("ivr_by_queue")]:
        if queue is None and row["queue"] in body.get("queues", {}):
            body["queues"][row["queue"]].update({k: v for k, v in row.items() if k != "queue"})
    if taxonomy is not None:
        body["cases_by_category"] = [r for r in taxonomy if r["kind"] == "category"]
        body["referrals_by_agency"] = [r for r in taxonomy if r["kind"] == "referral"]
    return body | callbacks | cases | vault


def metrics_config(layout: Centre, *, sl_threshold_s: int, short_abandon_s: int) -> MetricsConfig:
    """Thresholds from settings, wrap-up per queue from the centre layout."""
    return MetricsConfig(
        sl_threshold_s=sl_threshold_s,
        short_abandon_s=short_abandon_s,
        wrapup_s={q.name: q.wrapuptime for q in layout.queues},
        queues=tuple(layout.queue_names),
    )


def check_period(*, start: datetime, end: datetime, queue: str | None, layout: Centre) -> None:
    """Refuse a period or queue that cannot make a report."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("from and to need a time zone, e.g. 2026-11-29T00:00:00+07:00")
    if end <= start:
        raise InvalidInput("to must be after from", start=start.isoformat(), end=end.isoformat())
    if queue is not None and queue not in layout.queue_names:
        raise InvalidInput(f"unknown queue {queue!r}", known=layout.queue_names)


def report(
    records: Sequence[CallRecord],
    *,
    config: MetricsConfig,
    queue: str | None,
    interval: str | None,
    complete: bool,
    detail: bool = False,
) -> dict[str, Any]:
    """`assemble` from call records counted in Python (the reference of the SQL path)."""
    size = INTERVALS[interval] if interval is not None else None
    sums = period.from_records(records, config=config, size=size)
    return assemble(sums, config=config, queue=queue, size=size, complete=complete, detail=detail)


def assemble(
    sums: period.PeriodTallies,
    *,
    config: MetricsConfig,
    queue: str | None,
    size: Size | None,
    complete: bool,
    detail: bool = False,
    times: dict[str, AgentTime] | None = None,
) -> dict[str, Any]:
    """Top level: the docs/kpi-v1.md fields of the whole period (centre, or the queue asked),
    with `intervals` when `size` is given and, with `detail`, per agent (with `times`, their
    logged-in and pause time too) and by wait."""

    def queue_tallies(bucket: period.Bucket | None, *, each: bool) -> dict[str, Tally]:
        out: dict[str, Tally] = {q: Tally() for q in config.queues}
        for (b, q), t in sums.queues.items():
            if each or b == bucket:
                out.setdefault(q, Tally()).merge(t)
        return out

    def figures(centre: Tally, queues: dict[str, Tally]) -> dict[str, Any]:
        return dict(queues[queue].kpis(config) if queue else centre.kpis(config))

    centre = Tally()
    for t in sums.centre.values():
        centre.merge(t)
    queues = queue_tallies(None, each=True)
    body: dict[str, Any] = {
        **figures(centre, queues),
        "definition": DEFINITION,
        "complete": complete,
    }
    if queue is None:
        body["queues"] = {q: t.kpis(config) for q, t in sorted(queues.items())}
    if size is not None:
        buckets = sorted({b for b, _ in sums.queues} | set(sums.centre), key=_local)
        rows = []
        for b in buckets:
            mine = queue_tallies(b, each=False)
            row: dict[str, Any] = {"start": period.label(_local(b), size, config)}
            row |= figures(sums.centre.get(b, Tally()), mine)
            if detail:
                row["agents_answering"] = sums.answering.get((b, queue), 0)
            rows.append(row)
        body["intervals"] = rows
    if detail:
        body["agents"] = agent_figures(sums, config=config, queue=queue, times=times)
        body["wait_distribution"] = [
            {"up_to_s": top, "answered": a, "unanswered": u}
            for top, (a, u) in zip((*period.WAIT_BANDS, None), sums.band_rows(queue), strict=True)
        ]
    return body


def _local(bucket: period.Bucket) -> datetime:
    assert bucket is not None
    return bucket


def agent_figures(
    sums: period.PeriodTallies,
    *,
    config: MetricsConfig,
    queue: str | None,
    times: dict[str, AgentTime] | None = None,
) -> list[dict[str, Any]]:
    """Per agent (member name): the kpi-v1.1 figures of the queue calls they answered, and
    with `times` their logged-in time, pauses, rings not answered, occupancy and calls per
    hour (queue_metrics.agent_time; agents logged in without a call too)."""
    mine: dict[str, period.AgentSums] = {agent: period.AgentSums() for agent in times or {}}
    for (q, agent), s in sums.agents.items():
        if queue is None or q == queue:
            total = mine.setdefault(agent, period.AgentSums())
            total.tally.merge(s.tally)
            total.wrapup_s += s.wrapup_s
    rows = []
    for agent, s in sorted(mine.items()):
        figures = s.tally.kpis(config)
        rows.append(
            {
                "agent": agent,
                "answered": figures["answered"],
                "aht_s": figures["aht_s"],
                "avg_talk_s": figures["avg_talk_s"],
                "avg_hold_s": figures["avg_hold_s"],
                "asa_s": figures["asa_s"],
                "handle_s": s.tally.handle_time,
                "wrapup_s": s.wrapup_s,
            }
        )
        if times is not None:
            rows[-1] |= agent_rates(
                times.get(agent, AgentTime()),
                answered=figures["answered"],
                handle_s=s.tally.handle_time,
            )
    return rows


async def interval_figures(
    *,
    sessions: async_sessionmaker[AsyncSession],
    config: MetricsConfig,
    start: datetime,
    end: datetime,
    interval: str,
    queue: str | None = None,
) -> list[dict[str, Any]]:
    """The `intervals` of `report` (detail: with agents answering) for a stretch of history,
    without the completeness check: what the staffing forecast reads."""
    size = INTERVALS[interval]
    sums = await tallies.period(sessions=sessions, start=start, end=end, config=config, size=size)
    body = assemble(sums, config=config, queue=queue, size=size, complete=False, detail=True)
    return list(body["intervals"])
