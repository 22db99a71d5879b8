"""`/api/v1/reports`: the pack catalogue, file downloads and rebuilds.

Supervisors (and admins) list, download and rebuild; viewers (the client's staff) list and
download. Packs carry no caller's personal data (success cases are masked at build time).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field

from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, AppError, InvalidInput, NotFound, errors
from callcenter.kpi import service as kpi_service
from callcenter.reports import catalogue, export, periods
from callcenter.reports.models import ReportPack, Status
from callcenter.services import ServicesDep, SessionsDep, SettingsDep
from callcenter.users.deps import require_roles
from callcenter.users.models import Role, User
from callcenter.validation import Id8, InputModel, Moment
from queue_metrics import intervals
from recordings import service as rec_service

router = APIRouter(prefix="/api/v1", tags=["reports"], responses=errors(*SIGNED_IN))
Reader = Annotated[User, Depends(require_roles(Role.supervisor, Role.viewer))]
Rebuilder = Annotated[User, Depends(require_roles(Role.supervisor))]
KindName = Literal["daily", "weekly", "monthly", "annual"]


class PacksUnavailable(AppError):
    status, error_id = 503, "reports_unavailable"


class RebuildIn(InputModel):
    kind: KindName
    period: str = Field(max_length=16, description="2026-12-06, 2026-W49, 2026-12 or 2026")
    lang: Literal["th", "en"] = "th"


FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The pack file (PowerPoint or Excel)",
        "content": {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation": {
                "schema": {"type": "string", "format": "binary"}
            },
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


@router.get("/reports/figures")
async def figures(
    user: Reader,
    parts: ServicesDep,
    settings: SettingsDep,
    start: Annotated[Moment, Query(alias="from", description="ISO 8601 with time zone")],
    end: Annotated[Moment, Query(alias="to", description="ISO 8601 with time zone")],
    queue: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """The dashboard's figures for any period: `GET /api/v1/kpi?detail=true` (one code path),
    by hour up to two days, by day up to 62 days, else by month. Viewers get no per-agent
    rows (staff are people too); no figure names a caller."""
    kpi_service.check_period(start=start, end=end, queue=queue, layout=parts.layout)
    days = (end - start).total_seconds() / 86400
    interval = "hour" if days <= 2 else "day" if days <= 62 else "month"
    body = await kpi_service.period_report(
        sessions=parts.sessions, reconciler=parts.reconciler, config=parts.metrics_config,
        callback_window_s=settings.callback_window_s, start=start, end=end, queue=queue,
        interval=interval, detail=True,
    )  # fmt: skip
    if user.role == Role.viewer:
        body.pop("agents", None)
    return body | {"interval": interval}


EXPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows as CSV (UTF-8 with BOM) or Excel",
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


@router.get("/reports/export/{what}", response_class=Response, responses=EXPORT)
async def export_rows(
    what: Literal["calls", "callbacks", "cases"],
    request: Request,
    user: Reader,
    parts: ServicesDep,
    start: Annotated[Moment, Query(alias="from", description="ISO 8601 with time zone")],
    end: Annotated[Moment, Query(alias="to", description="ISO 8601 with time zone")],
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """A period's calls, callbacks or cases; personal data masked for viewers; audited."""
    kpi_service.check_period(start=start, end=end, queue=None, layout=parts.layout)
    masked = user.role == Role.viewer
    tz = intervals.zone(parts.metrics_config.tz)
    async with transaction(parts.sessions) as session:
        header, data = await export.rows(
            session, what=what, start=start, end=end, tz=tz, masked=masked
        )
        await rec_service.audit(
            session=session, user_id=user.id, username=user.username, role=user.role.value,
            action="export", client_ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
            detail={"what": what, "from": start.isoformat(), "to": end.isoformat(),
                    "format": format, "rows": len(data), "masked": masked},
        )  # fmt: skip
    name = f"{what}-{start.date().isoformat()}-{end.date().isoformat()}.{format}"
    if format == "csv":
        content, media = export.as_csv(header, data), "text/csv"
    else:
        content = export.as_xlsx(header, data, what)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        content, media_type=media, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@router.get("/reports")
async def list_packs(
    _: Reader,
    sessions: SessionsDep,
    kind: KindName | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    """The catalogue, newest first: built revisions, and late or failed notes."""
    async with sessions() as session:
        rows = await catalogue.listing(session, kind=kind, limit=limit)
    return [catalogue.as_dict(r) for r in rows]


@router.get(
    "/reports/{pack_id}/files/{name}",
    response_class=Response,
    responses={**FILE, **errors(404, 503)},
)
async def download(
    pack_id: Id8,
    name: Annotated[str, Path(max_length=120)],
    _: Reader,
    parts: ServicesDep,
) -> Response:
    """One file of a built pack, as stored (its S3 version)."""
    async with parts.sessions() as session:
        row = await session.get(ReportPack, pack_id)
    found = (
        next((f for f in row.files if f["name"] == name), None)
        if row is not None and row.status == Status.built.value
        else None
    )
    if row is None or found is None:
        raise NotFound(f"No file {name!r} in pack {pack_id}.", pack_id=pack_id)
    if parts.reports is None:
        raise PacksUnavailable("Report packs are not configured on this service.")
    content = await parts.reports.store.get(found["key"], found["version_id"])
    disposition = f"attachment; filename*=UTF-8''{quote(found['name'])}"
    return Response(
        content, media_type=found["content_type"],
        headers={"Content-Disposition": disposition, "X-Content-SHA256": found["sha256"]},
    )  # fmt: skip


@router.post("/reports/rebuild", status_code=201, responses=errors(*CHANGES, 503))
async def rebuild(body: RebuildIn, user: Rebuilder, parts: ServicesDep) -> dict[str, Any]:
    """Build the pack again now: a new revision (more data may have arrived since)."""
    if parts.reports is None:
        raise PacksUnavailable("Report packs are not configured on this service.")
    period = periods.parse(body.kind, body.period)
    sched = parts.reports
    now = sched.clock()
    tz = sched.sources.tz
    periods.check_finished(period, now, tz)
    if body.lang not in ("th", "en"):
        raise InvalidInput("lang is th or en")
    row = await sched.build(period, lang=body.lang, now=now, trigger="rebuild", by=user.username)
    return catalogue.as_dict(row)
