"""`/api/v1/prompts`: the IVR prompt catalogue and the recordings still missing per language."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from callcenter.errors import SIGNED_IN, errors
from callcenter.prompts import catalogue, service
from callcenter.services import S3Dep, SettingsDep
from callcenter.users.deps import SupervisorUser as Supervisor

router = APIRouter(prefix="/api/v1/prompts", tags=["prompts"], responses=errors(*SIGNED_IN))


@router.get("")
async def list_prompts(_user: Supervisor, settings: SettingsDep, s3: S3Dep) -> dict[str, Any]:
    """Each prompt per language (recording, placeholder or none), and per language the prompts
    with no uploaded recording yet (placeholders count as missing)."""
    rows = await asyncio.to_thread(service.states, settings, s3)
    return {"prompts": [r.as_dict() for r in rows], "missing": catalogue.missing(rows)}
