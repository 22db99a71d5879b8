"""The kpi-v1.1 report of a period: stored call records → queue_metrics, plus completeness."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.callbacks import figures as cb_figures
from callcenter.calls import service as calls_service
from callcenter.cases import kpi as case_kpi
from callcenter.centre import Centre
from callcenter.csat import service as csat_service
from callcenter.errors import InvalidInput
from queue_metrics import intervals, kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size
from queue_metrics.records import CallRecord
from recordings import service as rec_service

INTERVALS = {s.value: s for s in Size}


class Completeness(Protocol):
    async def is_complete(
        self, *, start: datetime, end: datetime, records: Sequence[CallRecord]
    ) -> bool: ...


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
) -> dict[str, Any]:
    """What `GET /api/v1/kpi` and `callcenter kpi --json` answer: the queue KPIs with
    completeness, the callback KPIs and fcr_pct beside the agent-flagged figure (docs/kpi-v1.md).

    `detail` adds what the report packs show beyond the headline (kpi-v1.1 "Detail"): the
    figures per agent, agents answering per interval, cases per category and referrals, and
    the vault's recordings kept for the contract's 180 days, callbacks by state and outcome."""
    async with sessions() as session:
        records = await records_for(session=session, start=start, end=end)
        cases = await case_kpi.figures(session=session, start=start, end=end, queue=queue)
        csat = await csat_service.kpis(session=session, start=start, end=end, queue=queue)
        callbacks = await cb_figures.kpis(
            session=session, start=start, end=end, queue=queue, window_s=callback_window_s
        )
        taxonomy = (
            await case_kpi.by_category(session=session, start=start, end=end, queue=queue)
            if detail
            else None
        )
        vault = (
            await rec_service.retention_figures(session=session, start=start, end=end, queue=queue)
            if detail
            else {}
        )
        if detail:
            vault["callback_outcomes"] = await cb_figures.outcomes(
                session=session, start=start, end=end, queue=queue
            )
    complete = await reconciler.is_complete(start=start, end=end, records=records)
    body = report(
        records, config=config, queue=queue, interval=interval, complete=complete, detail=detail
    )
    for row in csat.pop("csat_by_queue"):  # beside each queue's other figures
        if queue is None and row["queue"] in body.get("queues", {}):
            body["queues"][row["queue"]].update({k: v for k, v in row.items() if k != "queue"})
    if taxonomy is not None:
        body["cases_by_category"] = [r for r in taxonomy if r["kind"] == "category"]
        body["referrals_by_agency"] = [r for r in taxonomy if r["kind"] == "referral"]
    return body | callbacks | cases | csat | vault


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
    """Top level: the docs/kpi-v1.md fields of the whole period (centre, or the queue asked)."""

    def pick(result: dict[str, Any]) -> dict[str, Any]:
        return dict(result["queues"][queue] if queue else result["centre"])

    result = kpi.compute(records, config=config)
    body: dict[str, Any] = {
        **pick(result),
        "definition": result["definition"],
        "complete": complete,
    }
    if queue is None:
        body["queues"] = result["queues"]
    if interval is not None:
        buckets = kpi.by_interval(records, size=INTERVALS[interval], config=config)
        body["intervals"] = [{"start": label, **pick(r)} for label, r in buckets.items()]
        if detail:
            staffed = agents_by_interval(
                records, size=INTERVALS[interval], config=config, queue=queue
            )
            for row in body["intervals"]:
                row["agents_answering"] = staffed.get(row["start"], 0)
    if detail:
        body["agents"] = agent_figures(records, config=config, queue=queue)
        body["wait_distribution"] = wait_distribution(records, config=config, queue=queue)
    return body


WAIT_BANDS = (15, 30, 60, 120, 300)  # seconds: upper bounds (inclusive) of the bands


def wait_distribution(
    records: Sequence[CallRecord], *, config: MetricsConfig, queue: str | None
) -> list[dict[str, Any]]:
    """Calls by their wait (the centre: each caller's call, kpi.caller_calls; a queue: its
    queue calls), answered and not, in the bands of WAIT_BANDS and above the last."""
    if queue is None:
        rows = [c.record for c in kpi.caller_calls(records)]
    else:
        rows = [r for r in records if r.outcome is not None and r.queue == queue]
    bands = [*WAIT_BANDS, None]
    out: list[dict[str, Any]] = [{"up_to_s": b, "answered": 0, "unanswered": 0} for b in bands]
    for r in rows:
        if r.wait_s is None or r.outcome is None:
            continue
        i = next(i for i, b in enumerate(bands) if b is None or r.wait_s <= b)
        out[i]["answered" if r.outcome.value == "answered" else "unanswered"] += 1
    return out


def _answered_by_agent(records: Sequence[CallRecord], queue: str | None) -> list[CallRecord]:
    return [
        r
        for r in records
        if r.outcome is not None
        and r.agent
        and r.outcome.value == "answered"
        and (queue is None or r.queue == queue)
    ]


def agent_figures(
    records: Sequence[CallRecord], *, config: MetricsConfig, queue: str | None
) -> list[dict[str, Any]]:
    """Per agent (member name): the kpi-v1.1 figures of the queue calls they answered."""
    by_agent: dict[str, list[CallRecord]] = {}
    for r in _answered_by_agent(records, queue):
        by_agent.setdefault(r.agent or "", []).append(r)
    rows = []
    for agent, mine in sorted(by_agent.items()):
        figures = kpi.kpis(mine, config)
        handle = sum((r.talk_s or 0) + r.wrapup_s for r in mine if r.talk_s is not None)
        rows.append(
            {
                "agent": agent,
                "answered": figures["answered"],
                "aht_s": figures["aht_s"],
                "avg_talk_s": figures["avg_talk_s"],
                "avg_hold_s": figures["avg_hold_s"],
                "asa_s": figures["asa_s"],
                "handle_s": handle,
                "wrapup_s": sum(r.wrapup_s for r in mine),
            }
        )
    return rows


def agents_by_interval(
    records: Sequence[CallRecord], *, size: intervals.Size, config: MetricsConfig, queue: str | None
) -> dict[str, int]:
    """Distinct agents who answered a call entered in each interval (its label)."""
    tz = intervals.zone(config.tz)
    seen: dict[str, set[str]] = {}
    for r in _answered_by_agent(records, queue):
        w = intervals.bucket(r.entered_at, size, tz)
        seen.setdefault(intervals.label(w[0], size, tz), set()).add(r.agent or "")
    return {label: len(names) for label, names in seen.items()}


async def records_for(
    *, session: AsyncSession, start: datetime, end: datetime
) -> Sequence[CallRecord]:
    """Every stored queue call that entered in [start, end) (all queues: the centre needs them)."""
    return await calls_service.between(session=session, start=start, end=end)


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
    async with sessions() as session:
        records = await records_for(session=session, start=start, end=end)
    body = report(
        records, config=config, queue=queue, interval=interval, complete=False, detail=True
    )
    return list(body["intervals"])
