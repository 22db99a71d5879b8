"""Asia/Bangkok intervals: 15 min, hour, day, ISO week (Monday first), month, year; live windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from queue_metrics.intervals import Size, bucket, inside, label, rolling, today_so_far, zone

BKK = zone("Asia/Bangkok")


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=BKK).timestamp()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("size", "start", "end", "name"),
    [
        (
            Size.quarter,
            at(2026, 11, 29, 10, 15),
            at(2026, 11, 29, 10, 30),
            "2026-11-29T10:15+07:00",
        ),
        (Size.hour, at(2026, 11, 29, 10), at(2026, 11, 29, 11), "2026-11-29T10:00+07:00"),
        (Size.day, at(2026, 11, 29), at(2026, 11, 30), "2026-11-29"),
        (Size.week, at(2026, 11, 23), at(2026, 11, 30), "2026-W48"),  # Sunday → Monday 23rd
        (Size.month, at(2026, 11, 1), at(2026, 12, 1), "2026-11"),
        (Size.year, at(2026, 1, 1), at(2027, 1, 1), "2026"),
    ],
)
def test_bucket_of_a_sunday_morning(size: Size, start: float, end: float, name: str) -> None:
    ts = at(2026, 11, 29, 10, 29, 59)
    assert bucket(ts, size, BKK) == (start, end)
    assert label(start, size, BKK) == name


def test_bangkok_midnight_is_17_utc() -> None:
    start, _ = bucket(at(2026, 11, 30, 0, 0, 0), Size.day, BKK)
    assert datetime.fromtimestamp(start, UTC).hour == 17
    assert bucket(start - 1, Size.day, BKK)[1] == start


def test_december_rolls_into_next_year_and_iso_week_53() -> None:
    new_year = at(2027, 1, 1)
    assert bucket(new_year - 1, Size.month, BKK) == (at(2026, 12, 1), new_year)
    week = bucket(new_year, Size.week, BKK)
    assert week == (at(2026, 12, 28), at(2027, 1, 4))
    assert label(week[0], Size.week, BKK) == "2026-W53"


def test_today_so_far_and_rolling_hour_include_now() -> None:
    now = at(2026, 11, 29, 8, 30)
    today = today_so_far(now, BKK)
    assert today[0] == at(2026, 11, 29) and inside(now, today)
    assert not inside(now + 0.001, today) and not inside(today[0] - 1, today)
    hour = rolling(now)
    assert inside(now - 3600, hour) and inside(now, hour) and not inside(now - 3600.5, hour)
