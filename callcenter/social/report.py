"""The monthly publishing report: PowerPoint and Excel, Thai (Buddhist Era dates) or English.

Targets met (posts and videos published against the month's targets), each item's
engagement (reach, reactions, shares as fetched back from the Page), the top performers.
Built with the report packs' own building blocks (callcenter.reports: the deck and
workbook templates with Thai fonts, dates, numbers); due on the 10th of the next month at
10:00 Asia/Bangkok like the monthly pack, kept in S3 and listed in social_reports.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from minio import Minio
from minio.sse import SseS3
from openpyxl.chart import BarChart, Reference
from pptx.enum.chart import XL_CHART_TYPE
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.alerts.mailer import Mailer, parse_recipients
from callcenter.config import Settings
from callcenter.reports import fmt, periods, thai
from callcenter.reports.data import PackData
from callcenter.reports.sheets import Book
from callcenter.reports.slides import GREEN, RED, ROWS_PER_SLIDE, Builder
from callcenter.social import assets
from callcenter.social import calendar as cal
from callcenter.social.analysis import BANGKOK
from callcenter.social.models import Content, PublishingReport

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOP = 3
WORDS: dict[str, tuple[str, str]] = {
    "title": ("รายงานการเผยแพร่ประจำเดือน", "Monthly publishing report"),
    "targets": ("เป้าหมาย", "Targets"),
    "posts": ("โพสต์ให้ความรู้", "Educational posts"),
    "videos": ("วิดีโอ", "Videos"),
    "published": ("เผยแพร่แล้ว", "Published"),
    "planned": ("วางแผน", "Planned"),
    "target": ("เป้าหมาย", "Target"),
    "met": ("ครบตามเป้า", "Met"),
    "not_met": ("ไม่ครบตามเป้า", "Not met"),
    "items": ("รายการเผยแพร่", "Items"),
    "engagement": ("การมีส่วนร่วมของแต่ละรายการ", "Engagement of each item"),
    "top": ("ผลงานเด่น", "Top performers"),
    "date": ("วันที่", "Date"),
    "kind": ("ประเภท", "Kind"),
    "post": ("โพสต์", "post"),
    "video": ("วิดีโอ", "video"),
    "item_title": ("หัวข้อ", "Title"),
    "channels": ("ช่องทาง", "Channels"),
    "status": ("สถานะ", "Status"),
    "reach": ("การเข้าถึง", "Reach"),
    "reactions": ("รีแอ็กชัน", "Reactions"),
    "shares": ("แชร์", "Shares"),
    "link": ("ลิงก์", "Link"),
    "built": ("จัดทำเมื่อ", "Built"),
    "none": ("ไม่มีรายการที่เผยแพร่", "Nothing was published"),
    "draft": ("ร่าง", "draft"),
    "approved": ("อนุมัติแล้ว", "approved"),
    "scheduled": ("ตั้งเวลาแล้ว", "scheduled"),
    "failed": ("ล้มเหลว", "failed"),
}


def word(key: str, lang: str) -> str:
    th, en = WORDS[key]
    return th if lang == "th" else en


@dataclass(frozen=True)
class File:
    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Month:
    data: PackData  # the packs' template reads its period, language and centre name
    targets: cal.MonthOut
    items: list[Content]

    @property
    def lang(self) -> str:
        return self.data.lang

    def w(self, key: str) -> str:
        return word(key, self.lang)

    def status(self, item: Content) -> str:
        return self.w("published") if item.status == "published" else self.w(item.status)

    def top(self) -> list[Content]:
        out = [i for i in self.items if i.status == "published" and i.reach is not None]
        return sorted(out, key=lambda i: (-(i.reach or 0), -_engagement(i), i.id))[:TOP]

    def target_rows(self) -> list[tuple[str, int, int, str, bool]]:
        rows = []
        for key, t in (("posts", self.targets.posts), ("videos", self.targets.videos)):
            goal = f"{t.least}–{t.most}" if t.most else f"≥ {t.least}"
            rows.append((self.w(key), t.published, t.planned, goal, t.met))
        return rows


def _engagement(item: Content) -> int:
    return (item.reactions or 0) + (item.shares or 0)


def _day(item: Content, lang: str) -> str:
    return thai.short_date(item.planned_at.astimezone(BANGKOK).date(), lang)


def _link(item: Content) -> str:
    return f"https://www.facebook.com/{item.facebook_post_id}" if item.facebook_post_id else ""


async def gather(
    session: AsyncSession, settings: Settings, month: str, lang: str, built_at: datetime,
    revision: int = 1,
) -> Month:  # fmt: skip
    targets = await cal.month(session=session, settings=settings, name=month)
    first, after = cal.month_bounds(month)
    stmt = select(Content).where(Content.planned_at >= first, Content.planned_at < after)
    items = list((await session.scalars(stmt.order_by(Content.planned_at, Content.id))).all())
    names = {"th": settings.report_centre_name_th, "en": settings.report_centre_name_en}
    data = PackData(
        period=periods.parse(periods.Kind.monthly, month), lang=lang, centre_name=names[lang],
        body={"complete": True}, previous={}, success=[], staffing=[],
        built_at=built_at.astimezone(BANGKOK), revision=revision,
    )  # fmt: skip
    return Month(data=data, targets=targets, items=items)


def deck(m: Month) -> bytes:
    b = Builder(m.data)
    title = f"{m.w('title')} — {fmt.period_title(m.data.period, m.lang)}"
    slide = b.slide(title)
    b.text(slide, f"{m.w('built')} {fmt.moment(m.data.built_at, m.lang)}", (0.4, 1.0, 8, 0.4), 11)
    rows = [[name, str(published), str(planned), goal, m.w("met") if met else m.w("not_met")]
            for name, published, planned, goal, met in m.target_rows()]  # fmt: skip
    header = [m.w("targets"), m.w("published"), m.w("planned"), m.w("target"), ""]
    colors = [GREEN if r[4] else RED for r in m.target_rows()]
    b.table(slide, header, rows, (0.4, 1.6, 12.5, 1.2), size=14, colors=colors)
    b.chart(
        slide, XL_CHART_TYPE.COLUMN_CLUSTERED, [r[0] for r in m.target_rows()],
        [(m.w("published"), [r[1] for r in m.target_rows()]),
         (m.w("planned"), [r[2] for r in m.target_rows()])], (0.4, 3.1, 12.5, 3.8),
    )  # fmt: skip

    out = [i for i in m.items if i.status == "published"]
    slide = b.slide(m.w("engagement"))
    if out:
        labels = [f"{_day(i, m.lang)} {i.title[:24]}" for i in out]
        b.chart(
            slide, XL_CHART_TYPE.BAR_CLUSTERED, labels,
            [(m.w(k), [getattr(i, k) or 0 for i in out]) for k in ("reach", "reactions", "shares")],
            (0.4, 1.1, 12.5, 5.8),
        )  # fmt: skip
    else:
        b.text(slide, m.w("none"), (0.4, 1.2, 12, 0.6), 18, bold=True)

    header = [m.w("date"), m.w("item_title"), m.w("kind"), m.w("status"), m.w("reach"),
              m.w("reactions"), m.w("shares")]  # fmt: skip
    rows = [[_day(i, m.lang), i.title, m.w(i.kind), m.status(i), fmt.number(i.reach),
             fmt.number(i.reactions), fmt.number(i.shares)] for i in m.items]  # fmt: skip
    for start in range(0, max(1, len(rows)), ROWS_PER_SLIDE):
        page = rows[start : start + ROWS_PER_SLIDE]
        slide = b.slide(m.w("items"))
        b.table(slide, header, page, (0.4, 1.1, 12.5, 0.4 * (len(page) + 1)), size=11)

    slide = b.slide(m.w("top"))
    best = m.top()
    if not best:
        b.text(slide, m.w("none"), (0.4, 1.2, 12, 0.6), 18, bold=True)
    for n, item in enumerate(best):
        top = 1.2 + n * 1.9
        b.text(slide, f"{n + 1}. {item.title}", (0.4, top, 12.5, 0.5), 20, bold=True)
        figures = " · ".join(f"{m.w(k)} {fmt.number(getattr(item, k))}"
                             for k in ("reach", "reactions", "shares"))  # fmt: skip
        b.text(slide, f"{_day(item, m.lang)} · {figures}\n{_link(item)}", (0.6, top + 0.6, 12, 1),
               13)  # fmt: skip
    return b.save()


def workbook(m: Month) -> bytes:
    b = Book(m.data)
    ws = b.sheet(m.w("targets"))
    b.line(ws, f"{m.data.centre_name} — {m.w('title')} {fmt.period_title(m.data.period, m.lang)}",
           bold=True)  # fmt: skip
    header = [m.w("targets"), m.w("published"), m.w("planned"), m.w("target"), m.w("met")]
    b.rows(ws, header, [[r[0], r[1], r[2], r[3], m.w("met") if r[4] else m.w("not_met")]
                        for r in m.target_rows()])  # fmt: skip

    ws = b.sheet(m.w("items"))
    header = [m.w("date"), m.w("item_title"), m.w("kind"), m.w("channels"), m.w("status"),
              m.w("reach"), m.w("reactions"), m.w("shares"), m.w("link")]  # fmt: skip
    rows: list[Sequence[Any]] = [
        [i.planned_at.astimezone(BANGKOK).replace(tzinfo=None), i.title, m.w(i.kind),
         ", ".join(i.channels), m.status(i), i.reach, i.reactions, i.shares, _link(i)]
        for i in m.items
    ]  # fmt: skip
    top = b.rows(ws, header, rows)
    for r in range(top + 1, top + 1 + len(rows)):
        ws.cell(row=r, column=1).number_format = "yyyy-mm-dd hh:mm"
    if rows:
        chart = BarChart()
        chart.title = m.w("reach")
        chart.add_data(Reference(ws, min_col=6, min_row=top, max_row=top + len(rows)),
                       titles_from_data=True)  # fmt: skip
        chart.set_categories(Reference(ws, min_col=2, min_row=top + 1, max_row=top + len(rows)))
        ws.add_chart(chart, f"K{top}")

    ws = b.sheet(m.w("top"))
    b.rows(ws, [m.w("item_title"), m.w("reach"), m.w("reactions"), m.w("shares"), m.w("link")],
           [[i.title, i.reach, i.reactions, i.shares, _link(i)] for i in m.top()])  # fmt: skip
    return b.save()


def files(m: Month) -> list[File]:
    stem = f"publishing-{m.data.period.name}-{m.lang}"
    return [File(f"{stem}.pptx", deck(m), PPTX), File(f"{stem}.xlsx", workbook(m), XLSX)]


def previous_month(now: datetime) -> str:
    today = now.astimezone(BANGKOK).date()
    return periods.containing(periods.Kind.monthly, today).previous().name


def last_due_month(now: datetime) -> str | None:
    """Last month, once its report is due (the 10th of this month, 10:00 Bangkok); a round
    after a longer outage still builds it that month."""
    today = now.astimezone(BANGKOK).date()
    period = periods.containing(periods.Kind.monthly, today).previous()
    return period.name if period.due(BANGKOK) <= now else None


async def build(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, s3: Minio, month: str,
    lang: str, now: datetime, trigger: str, by: str = "",
) -> PublishingReport:  # fmt: skip
    async with sessions() as session:
        latest = await session.scalar(select(func.max(PublishingReport.revision)).where(
            PublishingReport.month == month, PublishingReport.lang == lang))  # fmt: skip
        revision = (latest or 0) + 1
        m = await gather(session, settings, month, lang, now, revision)
    made = await asyncio.to_thread(files, m)
    stored = await asyncio.to_thread(_put, s3, settings, month, lang, revision, made)
    async with sessions() as session, session.begin():
        row = PublishingReport(month=month, lang=lang, revision=revision, trigger=trigger,
                               files=stored, built_at=now, built_by=by)  # fmt: skip
        session.add(row)
    return row


def _put(
    s3: Minio, settings: Settings, month: str, lang: str, revision: int, made: list[File]
) -> list[dict[str, Any]]:
    out = []
    for f in made:
        key = f"social-reports/{month}/{lang}/r{revision}/{f.name}"
        s3.put_object(assets.bucket(settings), key, io.BytesIO(f.content), len(f.content),
                      content_type=f.content_type, sse=SseS3())  # fmt: skip
        out.append({"name": f.name, "key": key, "size": len(f.content),
                    "sha256": hashlib.sha256(f.content).hexdigest(),
                    "content_type": f.content_type})  # fmt: skip
    return out


async def due(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, s3: Minio, now: datetime
) -> list[PublishingReport]:
    """The scheduler's round: last month's report in each language once it is due, once."""
    month = last_due_month(now)
    if month is None:
        return []
    built = []
    for lang in (x.strip() for x in settings.social_report_langs.split(",") if x.strip()):
        async with sessions() as session:
            mine = (PublishingReport.month == month) & (PublishingReport.lang == lang)
            exists = await session.scalar(select(PublishingReport.id).where(mine).limit(1))
        if exists is None:
            built.append(await build(sessions=sessions, settings=settings, s3=s3, month=month,
                                     lang=lang, now=now, trigger="schedule"))  # fmt: skip
    return built


def message(
    row: PublishingReport, contents: list[bytes], *, sender: str, recipients: Sequence[str]
) -> EmailMessage:
    msg = EmailMessage()
    year, month = (int(x) for x in row.month.split("-"))
    msg["Subject"] = (f"[1212] {word('title', 'th')} {thai.month_name(year, month, 'th')} · "
                      f"{word('title', 'en')} {thai.month_name(year, month, 'en')}")  # fmt: skip
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="callcenter.social")
    names = "\n".join(f"- {f['name']} (sha256 {f['sha256']})" for f in row.files)
    msg.set_content(f"{msg['Subject']}\n\n{names}\n")
    for f, content in zip(row.files, contents, strict=True):
        main, sub = f["content_type"].split("/", 1)
        msg.add_attachment(content, maintype=main, subtype=sub, filename=f["name"])
    return msg


async def mail(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, s3: Minio,
    row: PublishingReport, now: datetime,
) -> bool:  # fmt: skip
    """E-mail a built report to social_report_recipients (none: nothing to do)."""
    recipients = parse_recipients(settings.social_report_recipients)
    if not recipients:
        return False
    contents = [await asyncio.to_thread(assets.get, s3, settings, f["key"]) for f in row.files]
    mailer = Mailer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                    recipients=recipients, timeout_s=settings.smtp_timeout_s)  # fmt: skip
    sent = await mailer.deliver([message(row, contents, sender=settings.smtp_from,
                                         recipients=recipients)])  # fmt: skip
    if all(sent):
        async with sessions() as session, session.begin():
            stored = await session.get(PublishingReport, row.id)
            if stored is not None:
                stored.emailed_at = now
    return all(sent)
