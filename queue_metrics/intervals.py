"""Reporting intervals in the centre's time zone (Asia/Bangkok), by the call's queue entry."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

Window = tuple[float, float]  # [start, end) in epoch seconds


class Size(StrEnum):
    """The interval sizes of docs/kpi-v1.md; weeks are ISO weeks (Monday first)."""

    quarter = "15m"
    hour = "hour"
    day = "day"
    week = "week"
    month = "month"
    year = "year"


@lru_cache(maxsize=8)
def zone(name: str) -> tzinfo:
    """The named zone, loaded once (zoneinfo reads its tzdata the first time)."""
    return ZoneInfo(name)


def bucket(ts: float, size: Size, tz: tzinfo) -> Window:
    """The interval of `size` that contains `ts`, as [start, end) epoch seconds."""
    start = _start(datetime.fromtimestamp(ts, tz), size)
    return start.timestamp(), _next(start, size).timestamp()


def label(start: float, size: Size, tz: tzinfo) -> str:
    """A stable, sortable name of the interval starting at `start` (local time)."""
    local = datetime.fromtimestamp(start, tz)
    if size in (Size.quarter, Size.hour):
        return local.isoformat(timespec="minutes")
    if size is Size.day:
        return local.date().isoformat()
    if size is Size.week:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if size is Size.month:
        return f"{local.year}-{local.month:02d}"
    return str(local.year)


def today_so_far(now: float, tz: tzinfo) -> Window:
    """From local midnight up to and including `now`."""
    start, _ = bucket(now, Size.day, tz)
    return start, math.nextafter(now, math.inf)


def rolling(now: float, seconds: float = 3600.0) -> Window:
    """The last `seconds` up to and including `now` (default: rolling 60 minutes)."""
    return now - seconds, math.nextafter(now, math.inf)


def inside(ts: float, window: Window | None) -> bool:
    return window is None or window[0] <= ts < window[1]


def _start(local: datetime, size: Size) -> datetime:
    if size is Size.quarter:
        return local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    if size is Size.hour:
        return local.replace(minute=0, second=0, microsecond=0)
    day = datetime(local.year, local.month, local.day, tzinfo=local.tzinfo)
    if size is Size.day:
        return day
    if size is Size.week:
        return day - timedelta(days=local.weekday())
    if size is Size.month:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _next(start: datetime, size: Size) -> datetime:
    if size is Size.quarter:
        return start + timedelta(minutes=15)
    if size is Size.hour:
        return start + timedelta(hours=1)
    if size is Size.day:
        return start + timedelta(days=1)
    if size is Size.week:
        return start + timedelta(days=7)
    if size is Size.month:
        year, month = divmod(start.month, 12)  # month 12 → next January
        return start.replace(year=start.year + year, month=month + 1)
    return start.replace(year=start.year + 1)
