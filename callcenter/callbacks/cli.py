"""`callcenter callbacks`: the callback tasks with their steps (numbers: PDPA data, local admin)."""

from __future__ import annotations

import asyncio
from typing import Any

import typer
from rich.table import Table

from callcenter.callbacks import service as cb_service
from callcenter.callbacks.router import check_status
from callcenter.callbacks.schemas import task_out
from callcenter.cli_support import (
    TZ_NAME,
    cell,
    centre_time,
    database,
    fail,
    print_json,
    print_table,
)
from callcenter.config import Settings, get_settings
from callcenter.errors import InvalidInput


def callbacks_command(
    status: str | None = typer.Option(
        None,
        help="Only tasks in this state: pending, dialing, retry_wait, reached, failed, "
        "cancelled, not_callable.",
    ),
    limit: int = typer.Option(200, min=1, help="At most this many (newest drop first)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (the API's fields)."),
) -> None:
    """Callback tasks with their timestamps and attempts."""
    try:
        check_status(status)
        body = asyncio.run(_list(get_settings(), status=status, limit=limit))
    except InvalidInput as exc:
        fail(exc.message, code=2)
    except (OSError, ConnectionError) as exc:
        fail(f"cannot read the callbacks: {exc}", code=1)
    if json_out:
        print_json(body)
        return
    columns = ("id", "number", "queue", "state", "outcome", "dropped_at", "deadline_at", "attempts")
    table = Table(title="callbacks / งานโทรกลับ")
    for column in columns:
        table.add_column(f"{column} ({TZ_NAME})" if column.endswith("_at") else column)
    for task in body["callbacks"]:
        table.add_row(
            *(centre_time(task.get(c)) if c.endswith("_at") else cell(task.get(c)) for c in columns)
        )
    print_table(table)


async def _list(settings: Settings, *, status: str | None, limit: int) -> dict[str, Any]:
    async with database(settings) as sessions, sessions() as session:
        rows = await cb_service.listing(session=session, status=status, limit=limit)
        return {"callbacks": [task_out(task, events) for task, events in rows]}
