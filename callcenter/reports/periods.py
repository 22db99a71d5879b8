"""The packs' periods in the centre's time zone: parsing, bounds, due times, previous period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from callcenter.errors import InvalidInput


class Kind(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    annual = "annual"


# How each kind's period is written on the command line and in the catalogue.
FORMS = {
    Kind.daily: "YYYY-MM-DD",
    Kind.weekly: "YYYY-Www (ISO week, Monday first)",
    Kind.monthly: "YYYY-MM",
    Kind.annual: "YYYY",
}
DUE_HOUR = 10  # every pack is due at 10:00 local time on its due day
# The KPI interval each kind's tables and charts go by.
INTERVAL = {Kind.daily: "hour", Kind.weekly: "day", Kind.monthly: "day", Kind.annual: "month"}


@dataclass(frozen=True, slots=True)
class Period:
    kind: Kind
    first: date  # first local day
    last: date  # last local day (inclusive)

    @property
    def name(self) -> str:
        if self.kind is Kind.daily:
            return self.first.isoformat()
        if self.kind is Kind.weekly:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is Kind.monthly:
            return f"{self.first.year}-{self.first.month:02d}"
        return str(self.first.year)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day to after the last."""
        start = datetime.combine(self.first, time(), tz)
        return start, datetime.combine(self.last + timedelta(days=1), time(), tz)

    def due(self, tz: tzinfo) -> datetime:
        """10:00 local: the next day; Monday of the next week; the 10th of the next month;
        10 January of the next year."""
        after = self.last + timedelta(days=1)
        if self.kind in (Kind.monthly, Kind.annual):
            after = after.replace(day=10)
        return datetime.combine(after, time(DUE_HOUR), tz)

    def previous(self) -> Period:
        return containing(self.kind, self.first - timedelta(days=1))

    def next(self) -> Period:
        return containing(self.kind, self.last + timedelta(days=1))

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def containing(kind: Kind, day: date) -> Period:
    """The period of `kind` that holds `day`."""
    if kind is Kind.daily:
        return Period(kind, day, day)
    if kind is Kind.weekly:
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind is Kind.monthly:
        first = day.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, first, nxt - timedelta(days=1))
    return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))


_PATTERNS = {
    Kind.daily: re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    Kind.weekly: re.compile(r"(\d{4})-W(\d{2})"),
    Kind.monthly: re.compile(r"(\d{4})-(\d{2})"),
    Kind.annual: re.compile(r"(\d{4})"),
}


def parse(kind: Kind | str, text: str) -> Period:
    """'2026-12-06' (daily), '2026-W49', '2026-12', '2026'; InvalidInput with the form otherwise."""
    kind = Kind(kind)
    m = _PATTERNS[kind].fullmatch(text.strip())
    bad = InvalidInput(f"a {kind.value} period is written {FORMS[kind]}, not {text!r}")
    if m is None:
        raise bad
    numbers = [int(g) for g in m.groups()]
    if not 2000 <= numbers[0] <= 2200:  # a centre's reports; and no date arithmetic overflows
        raise bad
    try:
        if kind is Kind.daily:
            return containing(kind, date(*numbers))
        if kind is Kind.weekly:
            return containing(kind, date.fromisocalendar(numbers[0], numbers[1], 1))
        if kind is Kind.monthly:
            return containing(kind, date(numbers[0], numbers[1], 1))
        return containing(kind, date(numbers[0], 1, 1))
    except ValueError:
        raise bad from None


def last_due(kind: Kind, now: datetime, tz: tzinfo) -> Period:
    """The latest period of `kind` whose due time is at or before `now`."""
    today = now.astimezone(tz).date()
    period = containing(kind, today).previous()
    while period.due(tz) > now:
        period = period.previous()
    return period


def check_finished(period: Period, now: datetime, tz: tzinfo) -> None:
    """A pack is of a period that has begun (a running period makes a partial pack: allowed
    on demand, marked incomplete by the KPIs); a period wholly in the future is refused."""
    start, _ = period.bounds(tz)
    if start > now:
        raise InvalidInput(f"the {period.kind.value} period {period.name} has not begun yet")
