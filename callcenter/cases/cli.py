"""`callcenter cases …`: maintenance of the case tables (search text)."""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from callcenter.cases import service as case_service
from callcenter.cases.models import Case
from callcenter.cli_support import database
from callcenter.config import Settings, get_settings
from callcenter.db import transaction

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
BATCH = 500


@app.command("reindex")
def reindex() -> None:
    """Rebuild every case's search text (after taxonomy labels or the tokenizer changed)."""
    try:
        count = asyncio.run(_reindex(get_settings()))
    except (OSError, SQLAlchemyError) as exc:
        typer.echo(f"error: cannot reach the database: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{count} cases reindexed / ทำดัชนีค้นหาใหม่ {count} เรื่อง")


async def _reindex(settings: Settings) -> int:
    done, last = 0, 0
    async with database(settings) as sessions:
        while True:
            async with transaction(sessions) as session:
                stmt = select(Case).where(Case.id > last).order_by(Case.id).limit(BATCH)
                cases = (await session.scalars(stmt)).all()
                for case in cases:
                    await case_service.refresh_search(session=session, case=case)
            if not cases:
                return done
            done, last = done + len(cases), cases[-1].id
