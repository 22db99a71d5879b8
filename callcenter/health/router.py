"""`GET /healthz`: each dependency ok/down; 503 when any is down.

Also the recordings backlog and the AMI events waiting for the database (informational: an
outage already shows as `s3` or `db` down; files that failed verification need a person)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from recordings import service as recording_service

router = APIRouter()

CHECK_TIMEOUT_S = 2.0


async def _db(request: Request) -> str:
    async with request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return "ok"


async def _ami(request: Request) -> str:
    client = request.app.state.ami
    settings = request.app.state.settings
    fresh = (
        client.last_pong_monotonic is not None
        and time.monotonic() - client.last_pong_monotonic < settings.ami_watchdog_timeout_s
    )
    return "ok" if client.connected and fresh else "down"


async def _ari(request: Request) -> str:
    return "ok" if request.app.state.ari.connected else "down"


async def _s3(request: Request) -> str:
    client = request.app.state.s3
    bucket = request.app.state.settings.s3_bucket
    exists = await asyncio.to_thread(client.bucket_exists, bucket)
    return "ok" if exists else "down"


CHECKS = {"db": _db, "ami": _ami, "ari": _ari, "s3": _s3}


async def _run(name: str, request: Request) -> tuple[str, str]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return name, await CHECKS[name](request)
    except Exception:
        return name, "down"


async def _recordings(request: Request) -> dict[str, Any]:
    """The uploader's state and how many recordings are not yet verified in the vault."""
    uploader = getattr(request.app.state, "uploader", None)
    report: dict[str, Any] = {
        "uploader": "off" if uploader is None else "retrying" if uploader.failures else "ok",
        "last_error": None if uploader is None else uploader.last_error,
    }
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), request.app.state.sessions() as session:
            report |= await recording_service.backlog(session=session)
    except Exception:
        report |= {"waiting": None, "failed": None, "incomplete_60m": None}  # db check says why
    return report


def _events(request: Request) -> dict[str, Any]:
    """AMI events not yet in the database: in memory, and journaled on disk during an outage."""
    writer = getattr(request.app.state, "event_writer", None)
    if writer is None:
        return {"waiting": None, "journaled": None, "last_error": None}
    return {
        "waiting": writer.pending,
        "journaled": writer.journaled,
        "last_error": writer.last_error,
    }


@router.get("/healthz", tags=["health"])
async def healthz(request: Request) -> JSONResponse:
    """Each dependency with `ok` or `down`; HTTP 503 when any is down."""
    checks = asyncio.gather(*(_run(name, request) for name in CHECKS))
    results, recordings = await asyncio.gather(checks, _recordings(request))
    results = dict(results)
    healthy = all(v == "ok" for v in results.values())
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "checks": results,
        "recordings": recordings,
        "events": _events(request),
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
