"""What every `callcenter` command shares: the error line and exit code, JSON output, dates,
the database."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
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


DAY_WITH_ZONE = re.compile(r"(\d{4}-\d{2}-\d{2})([+-]\d{2}:?\d{2}|Z)")
TZ_NAME = "Asia/Bangkok"
CENTRE_TZ = ZoneInfo(TZ_NAME)  # the centre's time zone: dates alone are its days
TO_HELP = "Exclusive; a date alone (or today, yesterday) means the end of that day."
MOMENTS_HELP = (
    "A date alone (2026-12-07: that day in Asia/Bangkok), today, yesterday, now, "
    "or ISO 8601 with a time zone (2026-12-07T08:00+07:00)."
)


def iso_datetime(
    text: str, flag: str, *, end: bool = False, now: datetime | None = None
) -> datetime:
    """A moment for --from/--to: `now`; `today`, `yesterday` or a date alone, which are
    days in the centre's time zone (their start, or with `end` their end: the next
    midnight, so `--to 2026-12-07` includes the 7th); or an ISO 8601 date-time with a zone.
    InvalidInput naming the flag, with advice that works, otherwise."""
    word = text.strip().lower()
    current = (now or datetime.now(UTC)).astimezone(CENTRE_TZ)
    day: date | None = None
    if word == "now":
        return current
    if word in ("today", "yesterday"):
        day = current.date() - timedelta(days=1 if word == "yesterday" else 0)
    elif len(word) == 10:
        try:
            day = date.fromisoformat(word)
        except ValueError:
            raise InvalidInput(
                f"{flag} {text!r} is not a date (YYYY-MM-DD, e.g. {current.date().isoformat()})"
            ) from None
    if day is not None:
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(), tzinfo=CENTRE_TZ)
    zoned_day = DAY_WITH_ZONE.fullmatch(text.strip())
    if zoned_day:  # 2026-12-07+07:00: that day's midnight at that offset
        day_start = datetime.fromisoformat(f"{zoned_day[1]}T00:00{zoned_day[2]}")
        return day_start + timedelta(days=1) if end else day_start
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{flag} {text!r} is not a date or an ISO 8601 date-time with a time zone;"
            f" e.g. {current.date().isoformat()}, today, yesterday, now or"
            f" {current.date().isoformat()}T08:00+07:00"
        ) from None
    if value.tzinfo is None:
        example = value.isoformat(timespec="minutes" if not value.second else "seconds")
        raise InvalidInput(
            f"{flag} {text!r} needs a time zone, e.g. {example}+07:00 (Bangkok),"
            f" or give a date alone ({value.date().isoformat()})"
        )
    return value


def check_queue(queue: str | None, known: list[str]) -> None:
    """InvalidInput for a queue the centre does not have (kpi, recordings: the same words)."""
    if queue is not None and queue not in known:
        raise InvalidInput(f"unknown queue {queue!r}; the centre's queues: {', '.join(known)}")


def centre_time(value: datetime | str | None) -> str:
    """A moment as people at the centre read it: Bangkok time to the second, no zone noise;
    '–' for none (never the word None)."""
    if value is None or value == "":
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CENTRE_TZ).strftime("%Y-%m-%d %H:%M:%S")


def cell(value: Any) -> str:
    """A table cell: '–' for none, never the word None."""
    return "–" if value is None or value == "" else str(value)


def print_table(table: Table) -> None:
    """A rich table at its natural width: a pipe or a file is not cut at 80 columns (a
    terminal wraps cells to its own width)."""
    console = Console()
    if not console.is_terminal:
        width = Console(width=100_000).measure(table).maximum
        console = Console(width=max(width, 20))
    console.print(table)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A command's own connection pool and session factory, closed when the command ends."""
    db_engine = make_db_engine(settings.database_url)
    try:
        yield make_sessionmaker(db_engine)
    finally:
        await db_engine.dispose()
