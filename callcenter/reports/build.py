"""A pack: the files of one kind and period (issue 14's table), built from one PackData."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from callcenter.reports import sheets, slides
from callcenter.reports.data import PackData, Sources, gather
from callcenter.reports.periods import Kind, Period

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Render = Callable[[PackData], bytes]
# kind → (file stem, renderer, content type), in the order of the table.
FILES: dict[Kind, tuple[tuple[str, Render, str], ...]] = {
    Kind.daily: (
        ("daily-report.pptx", slides.report, PPTX),
        ("service-results.xlsx", sheets.results, XLSX),
        ("centre-summary.pptx", slides.summary, PPTX),
    ),
    Kind.weekly: (
        ("weekly-report.pptx", slides.report, PPTX),
        ("service-results.xlsx", sheets.results, XLSX),
        ("centre-summary.pptx", slides.summary, PPTX),
        ("success-cases.pptx", slides.success, PPTX),
        ("success-cases.xlsx", sheets.success, XLSX),
    ),
    Kind.monthly: (
        ("monthly-report.pptx", slides.report, PPTX),
        ("service-results.xlsx", sheets.results, XLSX),
        ("success-cases.pptx", slides.success, PPTX),
        ("success-cases.xlsx", sheets.success, XLSX),
    ),
    Kind.annual: (("achievements.pptx", slides.report, PPTX),),
}


@dataclass(frozen=True, slots=True)
class PackFile:
    name: str  # e.g. daily-2026-12-06-th-daily-report.pptx
    content: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True, slots=True)
class Pack:
    period: Period
    lang: str
    complete: bool
    revision: int
    built_at: datetime
    files: tuple[PackFile, ...]
    data: PackData

    @property
    def sha256(self) -> str:
        """Of the pack: its files' names and hashes, in order."""
        h = hashlib.sha256()
        for f in self.files:
            h.update(f"{f.name}\0{f.sha256}\n".encode())
        return h.hexdigest()


def steps(kind: Kind) -> int:
    """Progress steps of a build: gathering the figures, then one per file."""
    return 1 + len(FILES[kind])


async def build(
    sources: Sources,
    period: Period,
    *,
    lang: str,
    built_at: datetime,
    revision: int = 1,
    progress: Callable[[str], None] = lambda _: None,
) -> Pack:
    if lang not in ("th", "en"):
        raise ValueError("lang is th or en")
    data = await gather(sources, period, lang=lang, built_at=built_at, revision=revision)
    progress("figures")
    files = []
    for stem, render, content_type in FILES[period.kind]:
        name = f"{period.kind.value}-{period.name}-{lang}-{stem}"
        files.append(PackFile(name, render(data), content_type))
        progress(stem)
    return Pack(period, lang, data.complete, revision, built_at, tuple(files), data)
