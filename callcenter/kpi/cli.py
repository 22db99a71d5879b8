"""`callcenter kpi`: kpi-v1.1 figures of a period from the stored calls, checked with queue_log."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from callcenter import centre
from callcenter.cli_support import database, fail, iso_datetime, print_json
from callcenter.config import Settings, get_settings
from callcenter.errors import InvalidInput
from callcenter.kpi import service as kpi_service
from callcenter.reconcile.service import Reconciler

INTERVALS = tuple(kpi_service.INTERVALS)


def kpi_command(
    start: str = typer.Option(
        ..., "--from", help="ISO 8601 with time zone, e.g. 2026-11-29T00:00+07:00"
    ),
    end: str = typer.Option(..., "--to", help="ISO 8601 with time zone (exclusive)."),
    queue: str | None = typer.Option(None, help="One queue (default: the whole centre)."),
    interval: str | None = typer.Option(None, help=f"Also per interval: {', '.join(INTERVALS)}."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (docs/kpi-v1.md field names)."),
) -> None:
    """The kpi-v1.1 figures for [from, to); `complete` says whether queue_log agrees."""
    settings = get_settings()
    try:
        period = (iso_datetime(start, "--from"), iso_datetime(end, "--to"))
        if interval is not None and interval not in INTERVALS:
            raise InvalidInput(f"--interval must be one of {', '.join(INTERVALS)}")
        body = asyncio.run(_report(settings, *period, queue=queue, interval=interval))
    except InvalidInput as exc:
        fail(exc.message, code=2)
    except (OSError, ConnectionError) as exc:
        fail(f"cannot read the stored calls: {exc}", code=1)
    if json_out:
        print_json(body)
    else:
        _table(body, queue)


async def _report(
    settings: Settings, start: datetime, end: datetime, *, queue: str | None, interval: str | None
) -> dict[str, Any]:
    layout = centre.load(settings.conf_dir)
    kpi_service.check_period(start=start, end=end, queue=queue, layout=layout)
    config = kpi_service.metrics_config(
        layout, sl_threshold_s=settings.sl_threshold_s, short_abandon_s=settings.short_abandon_s
    )
    async with database(settings) as sessions:
        return await kpi_service.period_report(
            sessions=sessions, config=config, callback_window_s=settings.callback_window_s,
            reconciler=Reconciler(settings=settings, sessions=sessions, config=config),
            start=start, end=end, queue=queue, interval=interval,
        )  # fmt: skip


def _table(body: dict[str, Any], queue: str | None) -> None:
    table = Table(
        title=f"{queue or 'centre'} — {body['definition']} (complete: {body['complete']})"
    )
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for key, value in body.items():
        if key not in ("queues", "intervals", "definition", "complete"):
            table.add_row(key, "–" if value is None else str(value))
    Console().print(table)
