"""`callcenter recordings`: the catalogue for operators, and the monthly disposal report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table

from callcenter import centre
from callcenter.cli_support import (
    MOMENTS_HELP,
    TO_HELP,
    TZ_NAME,
    cell,
    centre_time,
    check_queue,
    database,
    fail,
    iso_datetime,
    print_json,
    print_table,
)
from callcenter.config import Settings, get_settings
from callcenter.errors import InvalidInput
from recordings import service, storage
from recordings.schemas import RecordingOut

app = typer.Typer(no_args_is_help=False, add_completion=False, pretty_exceptions_enable=False)
MOMENTS = {"started_at", "ended_at", "retain_until"}  # shown in the centre's time, to the second
COLUMNS = ("id", "started_at", "queue", "agent", "caller", "duration_s", "codec", "upload_state")


def _when(text: str | None, flag: str, *, end: bool = False) -> datetime | None:
    return None if text is None else iso_datetime(text, flag, end=end)


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
        fail(f"cannot read the catalogue: {exc}", code=1)


def _print(
    rows: list[dict[str, Any]], *, json_out: bool, title: str, columns: tuple[str, ...]
) -> None:
    if json_out:
        print_json(rows)
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(f"{column} ({TZ_NAME})" if column in MOMENTS else column)
    for row in rows:
        table.add_row(
            *(centre_time(row.get(c)) if c in MOMENTS else cell(row.get(c)) for c in columns)
        )
    print_table(table)


@app.callback(invoke_without_command=True)
def recordings(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", help=MOMENTS_HELP),
    end: str | None = typer.Option(
        None,
        "--to",
        help=TO_HELP,
    ),
    agent: str | None = typer.Option(None, help="One agent (member name)."),
    queue: str | None = typer.Option(None, help="One queue."),
    limit: int = typer.Option(500, min=1, max=100000, help="At most this many, newest first."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (the API's fields)."),
) -> None:
    """List the recordings catalogue (operators see callers' numbers in full)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = get_settings()
    try:
        check_queue(queue, centre.load(settings.conf_dir).queue_names)
        filters = service.RecordingFilter(
            start=_when(start, "--from"), end=_when(end, "--to", end=True), agent=agent,
            queue=queue, limit=limit,
        )  # fmt: skip
    except InvalidInput as exc:
        fail(exc.message, code=2)
    rows = _run(_catalogue(settings, filters))
    _print(rows, json_out=json_out, title="recordings / ไฟล์บันทึกเสียง", columns=COLUMNS)


async def _catalogue(settings: Settings, filters: service.RecordingFilter) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions() as session:
        rows = await service.search(session=session, filters=filters)
        linked = await service.linked(session=session, rows=rows)
    return [
        RecordingOut.of(r, mask=False, linked=linked[r.id]).model_dump(mode="json") for r in rows
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
        fail(exc.message, code=2)
    rows = _run(_disposal(get_settings(), start, end))
    columns = ("id", "retain_until", "legal_hold", "in_store", "bucket", "object_key")
    _print(rows, json_out=json_out, title=f"disposal {month} / รายงานการทำลาย", columns=columns)


async def _disposal(settings: Settings, start: datetime, end: datetime) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions() as session:
        rows = await service.retention_ended(session=session, start=start, end=end)
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
