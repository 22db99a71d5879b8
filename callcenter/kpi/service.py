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
from callcenter.errors import InvalidInput
from queue_metrics import kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size
from queue_metrics.records import CallRecord

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
) -> dict[str, Any]:
    """What `GET /api/v1/kpi` and `callcenter kpi --json` answer: the queue KPIs with
    completeness, the callback KPIs and fcr_pct beside the agent-flagged figure (docs/kpi-v1.md)."""
    async with sessions() as session:
        records = await records_for(session=session, start=start, end=end)
        cases = await case_kpi.figures(session=session, start=start, end=end, queue=queue)
        callbacks = await cb_figures.kpis(
            session=session, start=start, end=end, queue=queue, window_s=callback_window_s
        )
    complete = await reconciler.is_complete(start=start, end=end, records=records)
    body = report(records, config=config, queue=queue, interval=interval, complete=complete)
    return body | callbacks | cases


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
    return body


async def records_for(
    *, session: AsyncSession, start: datetime, end: datetime
) -> Sequence[CallRecord]:
    """Every stored queue call that entered in [start, end) (all queues: the centre needs them)."""
    return await calls_service.between(session=session, start=start, end=end)
