"""Everything a pack shows, gathered once: the KPI body of `kpi_service.period_report` (the one
code path of every figure), the previous period's for comparison, staffing and success cases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.cases.models import Case, Category, Referral, ServiceLine
from callcenter.chat import kpi as chat_kpi
from callcenter.chat import sla as chat_sla
from callcenter.chat import survey
from callcenter.chat.sla import Rules as SlaRules
from callcenter.kpi import service as kpi_service
from callcenter.privacy import mask_number
from callcenter.reports.periods import INTERVAL, Kind, Period
from callcenter.staffing.forecast import IntervalPlan, Observed, Rules, plan_day
from queue_metrics.config import MetricsConfig


@dataclass(frozen=True, slots=True)
class Sources:
    """What building a pack reads (the lifespan's parts, or the CLI's own)."""

    sessions: async_sessionmaker[AsyncSession]
    reconciler: kpi_service.Completeness
    config: MetricsConfig
    callback_window_s: float
    tz: tzinfo
    staffing: Rules
    centre_name: dict[str, str]  # per language
    # the chat desk's first-reply SLA per channel (targets, business hours), chat-v1
    chat_sla: SlaRules = field(
        default_factory=lambda: chat_sla.defaults(chat_s=1800.0, email_s=86400.0)
    )
    # queue → its service line's name (th, en), from the centre's layout
    queue_labels: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    key: str  # the KPI field judged
    label: tuple[str, str]  # th, en
    op: str  # ">=", ">", "<="
    goal: float
    unit: str = "%"


# The contract's targets (issue 14), judged on the period's KPI body.
CONTRACT = (
    Target("sl_pct", ("รับสายภายใน 15 วินาที", "Answered within 15 s (SL)"), ">=", 90.0),
    Target("answer_rate_pct", ("อัตราการรับสาย", "Answered"), ">", 98.0),
    Target("abandon_rate_pct", ("อัตราการวางสาย", "Abandoned"), "<=", 3.0),
    Target(
        "callback_attempt_pct",
        ("สายหลุดได้รับการโทรกลับภายใน 30 นาที", "Drops called back within 30 minutes"),
        ">=",
        100.0,
    ),
    Target("fcr_pct", ("แก้ไขได้ในการติดต่อครั้งแรก (FCR)", "First-contact resolution"), ">=", 90.0),
    Target("aht_s", ("เวลาให้บริการเฉลี่ย ไม่เกิน 15 นาที", "AHT at most 15 minutes"), "<=", 900.0, "s"),
    Target(
        "recordings_kept_pct",
        ("เก็บไฟล์เสียงอย่างน้อย 180 วัน (ไม่สูญหาย)", "Recordings kept 180 days (none lost)"),
        ">=",
        100.0,
    ),
)


@dataclass(frozen=True, slots=True)
class Judged:
    target: Target
    value: float | None
    met: bool | None  # None: no data in the period


def judge(body: dict[str, Any]) -> list[Judged]:
    rows = []
    for t in CONTRACT:
        v = body.get(t.key)
        if v is None:
            rows.append(Judged(t, None, None))
            continue
        value = float(v)
        met = {">=": value >= t.goal, ">": value > t.goal, "<=": value <= t.goal}[t.op]
        rows.append(Judged(t, value, met))
    return rows


@dataclass(slots=True)
class PackData:
    period: Period
    lang: str
    centre_name: str
    body: dict[str, Any]  # period_report(detail=True, interval=INTERVAL[kind])
    previous: dict[str, Any]  # the previous period's (detail, no intervals)
    success: list[dict[str, Any]]
    staffing: list[IntervalPlan]
    built_at: datetime
    revision: int = 1
    contract: list[Judged] = field(default_factory=list)
    # the chat desk: chat-v1 ("kpi": total and per channel) and its questionnaires
    # ("satisfaction": total and per channel, no answers' text)
    chat: dict[str, Any] = field(default_factory=dict)
    queue_labels: dict[str, str] = field(default_factory=dict)  # queue → name, in `lang`

    @property
    def complete(self) -> bool:
        return bool(self.body["complete"])

    def queue_name(self, queue: str) -> str:
        """The service line's name a reader knows (the queue's own name if the layout has none)."""
        return self.queue_labels.get(queue) or queue


async def gather(
    sources: Sources, period: Period, *, lang: str, built_at: datetime, revision: int = 1
) -> PackData:
    start, end = period.bounds(sources.tz)
    common: dict[str, Any] = {
        "sessions": sources.sessions,
        "reconciler": sources.reconciler,
        "config": sources.config,
        "callback_window_s": sources.callback_window_s,
        "queue": None,
        "detail": True,
    }
    body = await kpi_service.period_report(
        start=start, end=end, interval=INTERVAL[period.kind], now=built_at, **common
    )
    p_start, p_end = period.previous().bounds(sources.tz)
    previous = await kpi_service.period_report(
        start=p_start, end=p_end, interval=None, calls_detail=False, **common
    )
    success = []
    if period.kind is not Kind.daily:
        async with sources.sessions() as session:
            success = await success_cases(session=session, start=start, end=end)
    staffing: list[IntervalPlan] = []
    if period.kind is Kind.daily:
        staffing = await staffing_plan(sources, period.first, body)
    async with sources.sessions() as session:
        chat_kpis = await chat_kpi.figures(
            session=session, start=start, end=end, sla=sources.chat_sla, now=built_at
        )
        answers = await survey.report(session=session, start=start, end=end)
    chat = {
        "kpi": chat_kpis,
        "satisfaction": {k: answers[k] for k in ("definition", "total", "channels")},
    }
    return PackData(
        period=period,
        lang=lang,
        centre_name=sources.centre_name[lang],
        body=body,
        previous=previous,
        success=success,
        staffing=staffing,
        built_at=built_at,
        revision=revision,
        contract=judge(body),
        chat=chat,
        queue_labels={q: names[lang == "en"] for q, names in sources.queue_labels.items()},
    )


def _observed(row: dict[str, Any]) -> Observed:
    return Observed(
        offered=int(row["offered"]),
        aht_s=row["aht_s"],
        agents=int(row.get("agents_answering", 0)),
        sl_pct=row["sl_pct"],
    )


async def staffing_plan(sources: Sources, day: date, body: dict[str, Any]) -> list[IntervalPlan]:
    """Required vs actual per interval of `day`: the forecast from the same weekday over the
    last N weeks (their intervals from the KPI path), the actual from the pack's own body."""
    rules = sources.staffing
    size = "hour" if rules.interval_min == 60 else "15m"
    history: dict[datetime, Observed] = {}
    for k in range(1, rules.weeks + 1):
        past = Period(Kind.daily, day - timedelta(weeks=k), day - timedelta(weeks=k))
        start, end = past.bounds(sources.tz)
        rows = await kpi_service.interval_figures(
            sessions=sources.sessions, config=sources.config, start=start, end=end, interval=size
        )
        history |= {datetime.fromisoformat(r["start"]): _observed(r) for r in rows}
    if size == "hour":
        own = body.get("intervals", [])
    else:
        start, end = Period(Kind.daily, day, day).bounds(sources.tz)
        own = await kpi_service.interval_figures(
            sessions=sources.sessions, config=sources.config, start=start, end=end, interval=size
        )
    actual = {datetime.fromisoformat(r["start"]): _observed(r) for r in own}
    return plan_day(day, history=history, actual=actual, rules=rules, tz=sources.tz)


_LONG_DIGITS = re.compile(r"\+?\d[\d\s-]{5,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def mask_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Free text with the personal data a report must not carry hidden: numbers of 7+ digits
    (phones, national ids, accounts) keep their last four; e-mail addresses and the caller's
    own name are hidden."""
    out = _LONG_DIGITS.sub(lambda m: mask_number(re.sub(r"\D", "", m.group())), text)
    out = _EMAIL.sub("***@***", out)
    for name in names:
        for part in name.split():
            if len(part) >= 2:
                out = out.replace(part, part[:1] + "***")
    return out


async def success_cases(
    *, session: AsyncSession, start: datetime, end: datetime, limit: int = 200
) -> list[dict[str, Any]]:
    """Cases flagged as success opened in [start, end): summary, agencies and outcome, with
    personal data masked (no caller fields at all; free text through mask_text)."""
    stmt = (
        select(
            Case, ServiceLine.label_th, ServiceLine.label_en, Category.label_th, Category.label_en
        )
        .join(ServiceLine, ServiceLine.code == Case.service_line)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(
            Case.success_flag.is_(True),
            Case.created_at >= start,
            Case.created_at < end,
            Case.voided_at.is_(None),
        )
        .order_by(Case.created_at, Case.id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    agencies: dict[int, list[str]] = {}
    if rows:
        refs = await session.execute(
            select(Referral.case_id, Referral.agency).where(
                Referral.case_id.in_([r[0].id for r in rows])
            )
        )
        for case_id, agency in refs:
            agencies.setdefault(case_id, []).append(agency)
    out = []
    for case, line_th, line_en, cat_th, cat_en in rows:
        names = (case.caller_name,) if case.caller_name else ()
        out.append(
            {
                "number": case.number or str(case.id),
                "line_th": line_th, "line_en": line_en,
                "category_th": cat_th or "", "category_en": cat_en or "",
                "summary": mask_text(case.description[:400], names=names),
                "outcome": mask_text(case.resolution[:400], names=names),
                "agencies": ", ".join(sorted(set(agencies.get(case.id, [])))),
                "opened": case.created_at.date().isoformat(),
            }
        )  # fmt: skip
    return out
