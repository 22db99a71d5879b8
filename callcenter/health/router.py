"""`GET /healthz`: each dependency ok/down; 503 when any is down.

Also the recordings backlog and the AMI events waiting for the database (informational: an
outage already shows as `s3` or `db` down; files that failed verification need a person)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from callcenter.config import Settings
from callcenter.services import Services, ServicesDep, SettingsDep
from recordings import service as recording_service

router = APIRouter()

CHECK_TIMEOUT_S = 2.0


async def _db(parts: Services, settings: Settings) -> str:
    async with parts.db_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return "ok"


async def _ami(parts: Services, settings: Settings) -> str:
    client = parts.ami
    fresh = (
        client.last_pong_monotonic is not None
        and time.monotonic() - client.last_pong_monotonic < settings.ami_watchdog_timeout_s
    )
    return "ok" if client.connected and fresh else "down"


async def _ari(parts: Services, settings: Settings) -> str:
    return "ok" if parts.ari.connected else "down"


async def _s3(parts: Services, settings: Settings) -> str:
    exists = await asyncio.to_thread(parts.s3.bucket_exists, settings.s3_bucket)
    return "ok" if exists else "down"


CHECKS = {"db": _db, "ami": _ami, "ari": _ari, "s3": _s3}


async def _run(name: str, parts: Services, settings: Settings) -> tuple[str, str]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return name, await CHECKS[name](parts, settings)
    except Exception:
        return name, "down"


async def _recordings(parts: Services) -> dict[str, Any]:
    """The uploader's state and how many recordings are not yet verified in the vault."""
    uploader = parts.uploader
    report: dict[str, Any] = {
        "uploader": "off" if uploader is None else "retrying" if uploader.failures else "ok",
        "last_error": None if uploader is None else uploader.last_error,
    }
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), parts.sessions() as session:
            report |= await recording_service.backlog(session=session)
    except Exception:
        report |= {"waiting": None, "failed": None, "incomplete_60m": None}  # db check says why
    return report


def _events(parts: Services) -> dict[str, Any]:
    """AMI events not yet in the database: in memory, and journaled on disk during an outage."""
    writer = parts.event_writer
    return {
        "waiting": writer.pending,
        "journaled": writer.journaled,
        "last_error": writer.last_error,
    }


@router.get("/healthz", tags=["health"])
async def healthz(parts: ServicesDep, settings: SettingsDep) -> JSONResponse:
    """Each dependency with `ok` or `down`; HTTP 503 when any is down."""
    checks = asyncio.gather(*(_run(name, parts, settings) for name in CHECKS))
    results, recordings = await asyncio.gather(checks, _recordings(parts))
    results = dict(results)
    healthy = all(v == "ok" for v in results.values())
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "checks": results,
        "recordings": recordings,
        "events": _events(parts),
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
