"""`callcenter recordings`: the catalogue for operators, and the monthly disposal report."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from callcenter.config import Settings, get_settings
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import InvalidInput
from recordings import service, storage
from recordings.schemas import RecordingOut

err = Console(stderr=True, soft_wrap=True)
app = typer.Typer(no_args_is_help=False, add_completion=False, pretty_exceptions_enable=False)
COLUMNS = ("id", "started_at", "queue", "agent", "caller", "duration_s", "codec", "upload_state")


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"error: {message}", style="red", markup=False, highlight=False)
    return typer.Exit(code)


def _when(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{flag} {text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise InvalidInput(f"{flag} {text!r} needs a time zone, e.g. {text}+07:00")
    return value


def _month(text: str) -> tuple[datetime, datetime]:
    try:
        start = datetime.strptime(text, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"--month {text!r} is not YYYY-MM (e.g. 2027-05)") from None
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, end


def _run(work: Any) -> Any:
    try:
        return asyncio.run(work)
    except (OSError, ConnectionError) as exc:
        raise _fail(f"cannot read the catalogue: {exc}", 1) from None


def _print(
    rows: list[dict[str, Any]], *, json_out: bool, title: str, columns: tuple[str, ...]
) -> None:
    if json_out:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    Console().print(table)


@app.callback(invoke_without_command=True)
def recordings(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", help="ISO 8601 with time zone."),
    end: str | None = typer.Option(None, "--to", help="ISO 8601 with time zone (exclusive)."),
    agent: str | None = typer.Option(None, help="One agent (member name)."),
    queue: str | None = typer.Option(None, help="One queue."),
    limit: int = typer.Option(500, min=1, max=100000, help="At most this many, newest first."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (the API's fields)."),
) -> None:
    """List the recordings catalogue (operators see callers' numbers in full)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        filters = service.RecordingFilter(
            start=_when(start, "--from"), end=_when(end, "--to"), agent=agent, queue=queue,
            limit=limit,
        )  # fmt: skip
    except InvalidInput as exc:
        raise _fail(exc.message, 2) from None
    rows = _run(_catalogue(get_settings(), filters))
    _print(rows, json_out=json_out, title="recordings / ไฟล์บันทึกเสียง", columns=COLUMNS)


async def _catalogue(settings: Settings, filters: service.RecordingFilter) -> list[dict[str, Any]]:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await service.search(session=session, filters=filters)
            scored = await service.scored_ids(session=session, ids=[r.id for r in rows])
    finally:
        await engine.dispose()
    return [
        RecordingOut.of(r, mask=False, scored=r.id in scored).model_dump(mode="json") for r in rows
    ]


@app.command("disposal")
def disposal(
    month: str = typer.Option(..., help="YYYY-MM: recordings whose retention ends that month."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recordings whose retention ended in a month, and whether the store still holds them."""
    try:
        start, end = _month(month)
    except InvalidInput as exc:
        raise _fail(exc.message, 2) from None
    rows = _run(_disposal(get_settings(), start, end))
    columns = ("id", "retain_until", "legal_hold", "in_store", "bucket", "object_key")
    _print(rows, json_out=json_out, title=f"disposal {month} / รายงานการทำลาย", columns=columns)


async def _disposal(settings: Settings, start: datetime, end: datetime) -> list[dict[str, Any]]:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await service.retention_ended(session=session, start=start, end=end)
    finally:
        await engine.dispose()
    client = storage.make_minio(settings)
    report = []
    for row in rows:
        ref = storage.ObjectRef(row.bucket, row.object_key, row.version_id)
        try:
            held: bool | None = await asyncio.to_thread(storage.object_exists, client, ref)
        except Exception:
            held = None  # store unreachable: unknown, not "gone"
        report.append({
            "id": row.id, "linkedid": row.linkedid, "retain_until": row.retain_until.isoformat()
            if row.retain_until else None, "legal_hold": row.legal_hold, "in_store": held,
            "bucket": row.bucket, "object_key": row.object_key, "version_id": row.version_id,
        })  # fmt: skip
    return report
