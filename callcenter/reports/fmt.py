"""How a figure is written on a slide: the KPI value itself, never rounded differently."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from callcenter.reports import thai
from callcenter.reports.periods import Kind, Period

DASH = "–"


def number(value: Any) -> str:
    """12345 → '12,345'; 93.33 → '93.33'; 4.5 → '4.5'; None → '–' (no data)."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return text or "0"
    return str(value)


def parse(text: str) -> float | None:
    """The inverse of `number` (what the tests read back off a slide)."""
    if text == DASH:
        return None
    return float(text.replace(",", ""))


def period_title(period: Period, lang: str) -> str:
    if period.kind is Kind.daily:
        return thai.long_date(period.first, lang)
    if period.kind is Kind.annual:
        return thai.year_name(period.first.year, lang)
    if period.kind is Kind.monthly:
        return thai.month_name(period.first.year, period.first.month, lang)
    return f"{thai.long_date(period.first, lang)} – {thai.long_date(period.last, lang)}"


def interval_label(label: str, kind: Kind, lang: str) -> str:
    """A KPI interval's label ('2026-12-06T10:00+07:00', '2026-12-06', '2026-12') for a chart."""
    if kind is Kind.daily:
        return label[11:16]
    if kind is Kind.annual:
        return thai.month_short(int(label[5:7]), lang)
    return thai.short_date(date.fromisoformat(label[:10]), lang)


def moment(at: datetime, lang: str) -> str:
    day = thai.long_date(at.date(), lang)
    return f"{day} {at:%H:%M}"
