"""`GET /api/v1/live`: the wallboard's live snapshot (supervisors and admins)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from callcenter.calls import service as calls_service
from callcenter.errors import SIGNED_IN, InvalidInput, errors
from callcenter.live import charts as live_charts
from callcenter.services import ServicesDep
from callcenter.users.deps import require_roles
from callcenter.users.models import Role

router = APIRouter(prefix="/api/v1", tags=["live"], responses=errors(*SIGNED_IN, 422))


@router.get("/live", dependencies=[Depends(require_roles(Role.supervisor))])
async def live(parts: ServicesDep) -> dict[str, Any]:
    """Calls waiting, longest wait, agents by state, today's and the last hour's kpi-v1."""
    return parts.wallboard.snapshot()


@router.get("/live/charts", dependencies=[Depends(require_roles(Role.supervisor))])
async def charts(
    parts: ServicesDep, queue: Annotated[str | None, Query(max_length=64)] = None
) -> dict[str, Any]:
    """The day per 15 minutes (offered, answered, SL against its 90 % line), beside the same
    weekday last week, and today's wait distribution; kpi-v1.1 (docs/kpi-v1.md)."""
    config = parts.metrics_config
    if queue is not None and queue not in config.queues:
        raise InvalidInput(f"unknown queue {queue!r}", known=list(config.queues))
    now = time.time()
    (start, end), (before, before_end) = live_charts.day_windows(now, config.tz)
    utc = partial(datetime.fromtimestamp, tz=UTC)
    async with parts.sessions() as session:
        today = await calls_service.between(session=session, start=utc(start), end=utc(end))
        then = await calls_service.between(session=session, start=utc(before), end=utc(before_end))
    return live_charts.build(today, then, config=config, queue=queue, now=now)
