"""`GET /api/v1/kpi`: kpi-v1 figures of a period (supervisors and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from callcenter.callbacks import service as cb_service
from callcenter.cases import kpi as case_kpi
from callcenter.kpi import service as kpi_service
from callcenter.users.deps import require_roles
from callcenter.users.models import Role

router = APIRouter(prefix="/api/v1", tags=["kpi"])

Interval = Literal["15m", "hour", "day", "week", "month", "year"]


@router.get("/kpi", dependencies=[Depends(require_roles(Role.supervisor))])
async def get_kpi(
    request: Request,
    start: Annotated[datetime, Query(alias="from", description="ISO 8601 with time zone")],
    end: Annotated[datetime, Query(alias="to", description="ISO 8601 with time zone")],
    queue: str | None = None,
    interval: Interval | None = None,
) -> dict[str, Any]:
    """The metrics.md fields for [from, to), with `definition` and `complete`."""
    state = request.app.state  # layout and config were read once, at start-up
    kpi_service.check_period(start=start, end=end, queue=queue, layout=state.layout)
    config = state.metrics_config
    async with request.app.state.sessions() as session:
        records = await kpi_service.records_for(session=session, start=start, end=end)
        cases = await case_kpi.figures(session=session, start=start, end=end, queue=queue)
        callbacks = await cb_service.kpis(  # metrics.md "Callback KPIs"
            session=session, start=start, end=end, queue=queue,
            window_s=state.settings.callback_window_s,
        )  # fmt: skip
    complete = await request.app.state.reconciler.is_complete(start=start, end=end, records=records)
    body = kpi_service.report(
        records, config=config, queue=queue, interval=interval, complete=complete
    )
    body |= callbacks
    return body | cases  # fcr_pct beside the agent-flagged figure (metrics.md, case KPIs)
