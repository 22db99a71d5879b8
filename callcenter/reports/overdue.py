"""Wallboard alerts for packs that are late or failed and still not built (the alert service
shows them and mails alert_recipients; the scheduler mailed report_recipients already)."""

from __future__ import annotations

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from callcenter.alerts.rules import Alert
from callcenter.reports import thai
from callcenter.reports.models import ReportPack, Status


async def open_problems(session: AsyncSession) -> list[tuple[str, str, str, str]]:
    """(kind, period, lang, status) of every late or failed note with no built pack since."""
    built = aliased(ReportPack)
    stmt = (
        select(ReportPack.kind, ReportPack.period, ReportPack.lang, ReportPack.status)
        .where(
            ReportPack.status.in_([Status.late.value, Status.failed.value]),
            ~exists().where(
                and_(
                    built.kind == ReportPack.kind, built.period == ReportPack.period,
                    built.lang == ReportPack.lang, built.status == Status.built.value,
                )
            ),
        )
        .distinct()
        .order_by(ReportPack.kind, ReportPack.period)
    )  # fmt: skip
    return [tuple(r) for r in (await session.execute(stmt)).all()]  # type: ignore[misc]


class OverduePacks:
    """An alert check (callcenter.alerts.service.ExtraCheck), asking at most every `every_s`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, every_s: float = 60.0):
        self._sessions, self._every = sessions, every_s
        self._asked_at = float("-inf")
        self._alerts: list[Alert] = []

    async def __call__(self, now: float) -> list[Alert]:
        if now - self._asked_at >= self._every:
            async with self._sessions() as session:
                problems = await open_problems(session)
            self._alerts = [_alert(*p) for p in problems]
            self._asked_at = now
        return list(self._alerts)


def _alert(kind: str, period: str, lang: str, status: str) -> Alert:
    what_th = "ล่าช้า" if status == Status.late.value else "สร้างไม่สำเร็จ"
    what_en = "is late" if status == Status.late.value else "failed"
    name_th, name_en = thai.word(kind, "th"), thai.word(kind, "en")
    return Alert(
        id=f"report_{status}:{kind}:{period}:{lang}",
        rule=f"report_{status}",
        scope="centre",
        severity="warning" if status == Status.late.value else "critical",
        text_th=f"{name_th} {period} {what_th}",
        text_en=f"{name_en} {period} {what_en}",
        value=1.0,
        threshold=0.0,
        field="report_packs",
        kpi=None,
        label_th=thai.word("centre", "th"),
        label_en=thai.word("centre", "en"),
    )
