"""`GET /api/v1/kpi`: kpi-v1.1 figures of a period (supervisors and admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from callcenter.errors import SIGNED_IN, errors
from callcenter.kpi import service as kpi_service
from callcenter.services import ServicesDep, SettingsDep
from callcenter.users.deps import require_roles
from callcenter.users.models import Role
from callcenter.validation import Moment

router = APIRouter(prefix="/api/v1", tags=["kpi"], responses=errors(*SIGNED_IN))

Interval = Literal["15m", "hour", "day", "week", "month", "year"]


@router.get("/kpi", dependencies=[Depends(require_roles(Role.supervisor))])
async def get_kpi(
    parts: ServicesDep,
    settings: SettingsDep,
    start: Annotated[Moment, Query(alias="from", description="ISO 8601 with time zone")],
    end: Annotated[Moment, Query(alias="to", description="ISO 8601 with time zone")],
    queue: str | None = None,
    interval: Interval | None = None,
    detail: Annotated[
        bool, Query(description="Also per agent, wait bands, cases per category (packs)")
    ] = False,
) -> dict[str, Any]:
    """The docs/kpi-v1.md fields for [from, to), with `definition` and `complete`."""
    # The layout and the metrics config were read once, at start-up.
    kpi_service.check_period(start=start, end=end, queue=queue, layout=parts.layout)
    return await kpi_service.period_report(
        sessions=parts.sessions, reconciler=parts.reconciler, config=parts.metrics_config,
        callback_window_s=settings.callback_window_s,
        start=start, end=end, queue=queue, interval=interval, detail=detail,
    )  # fmt: skip
