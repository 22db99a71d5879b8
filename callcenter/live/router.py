"""`GET /api/v1/live`: the wallboard's live snapshot (supervisors and admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from callcenter.errors import SIGNED_IN, errors
from callcenter.services import ServicesDep
from callcenter.users.deps import require_roles
from callcenter.users.models import Role

router = APIRouter(prefix="/api/v1", tags=["live"], responses=errors(*SIGNED_IN))


@router.get("/live", dependencies=[Depends(require_roles(Role.supervisor))])
async def live(parts: ServicesDep) -> dict[str, Any]:
    """Calls waiting, longest wait, agents by state, today's and the last hour's kpi-v1."""
    return parts.wallboard.snapshot()
