"""What every `callcenter` command shares: the error line and exit code, JSON output, dates,
the database."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.errors import InvalidInput

err = Console(stderr=True, soft_wrap=True)


def fail(message: str, *, code: int, hint: str | None = None) -> NoReturn:
    """A message a person understands on stderr, and a non-zero exit (2: bad input)."""
    err.print(f"error: {message}", style="red", markup=False, highlight=False)
    if hint:
        err.print(hint, markup=False, highlight=False)
    raise typer.Exit(code)


def print_json(body: Any) -> None:
    """The API's JSON on stdout (Thai as it is, dates as ISO text)."""
    json.dump(body, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def iso_datetime(text: str, flag: str) -> datetime:
    """An ISO 8601 date-time with a time zone, or InvalidInput naming the flag."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{flag} {text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise InvalidInput(f"{flag} {text!r} needs a time zone, e.g. {text}+07:00")
    return value


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A command's own connection pool and session factory, closed when the command ends."""
    db_engine = make_db_engine(settings.database_url)
    try:
        yield make_sessionmaker(db_engine)
    finally:
        await db_engine.dispose()
