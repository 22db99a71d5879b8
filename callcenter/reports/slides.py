"""PowerPoint packs (python-pptx): native charts and tables, Thai in a Thai complex-script face.

python-pptx writes a run's Latin font only; Thai is a complex script, so every run, every
chart's text and the theme's major/minor fonts also name the Thai face in `a:cs` (and the
runs say `lang="th-TH"`): PowerPoint and LibreOffice then shape Thai with it, not a fallback.

A pack is a list of sections; each is a function of (deck, data) that adds its slides.
Sections for chat channels join SECTIONS when their issue lands.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Inches, Pt

from callcenter.chat import kpi as chat_kpi
from callcenter.desk.schemas import PAUSE_REASONS
from callcenter.reports import fmt, thai
from callcenter.reports.data import PackData
from callcenter.reports.periods import Kind

_CONTROL = re.compile(r"[\x00-\x1f]")  # line breaks, tabs: python-pptx's own way
NAVY = RGBColor(0x1F, 0x3A, 0x5F)
RED = RGBColor(0xB0, 0x1E, 0x1E)
GREEN = RGBColor(0x1E, 0x7B, 0x34)
GREY = RGBColor(0x55, 0x55, 0x55)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
ROWS_PER_SLIDE = 14
OPS = {">=": "≥", ">": ">", "<=": "≤"}
HEADLINE = (
    "offered", "answered", "abandoned", "short_abandoned", "timeout", "no_agents",
    "key_exit", "sl_pct", "answer_rate_pct", "abandon_rate_pct", "asa_s", "aht_s", "max_wait_s",
)  # fmt: skip
QUEUE_COLUMNS = (
    "offered", "answered", "abandoned", "short_abandoned", "timeout", "no_agents", "key_exit",
    "sl_pct", "asa_s", "aht_s", "max_wait_s",
)  # fmt: skip
INTERVAL_COLUMNS = ("offered", "answered", "abandoned", "sl_pct", "asa_s", "aht_s", "max_wait_s")
CALLBACK_FIELDS = (
    "callbacks_owed", "callbacks_attempted_30m", "callbacks_reached_30m", "callback_attempt_pct",
    "callback_reached_pct", "callback_first_attempt_p50_s", "callback_first_attempt_p90_s",
    "callbacks_not_callable", "callbacks_cancelled_caller_reached",
    "callbacks_cancelled_by_supervisor", "callback_drops_joined", "callbacks_requested",
    "callbacks_from_drops",
)  # fmt: skip
CALL_CSAT_FIELDS = (
    "csat_offered", "csat_responses", "csat_avg", "csat_response_rate_pct", "csat_top2_pct",
)  # fmt: skip
CASE_FIELDS = (
    "cases_opened", "cases_closed", "cases_fcr", "fcr_pct", "fcr_agent_flagged",
    "fcr_agent_flagged_pct",
)  # fmt: skip


class Builder:
    """One deck in one language: the template (16:9, centre name in every title bar)."""

    def __init__(self, data: PackData) -> None:
        self.data = data
        self.lang = data.lang
        self.deck: Deck = Presentation()
        self.deck.slide_width = Inches(13.333)
        self.deck.slide_height = Inches(7.5)
        self.latin = thai.THAI_FONT if self.lang == "th" else thai.LATIN_FONT
        self.scale = 1.25 if self.lang == "th" else 1.0  # TH Sarabun's glyphs run small
        _theme_thai_font(self.deck)
        self._cell_looks: dict[tuple[float, bool, str, bool], Any] = {}  # see _cell

    # --- text -------------------------------------------------------------------------
    def style(self, run: Any, size: float, *, bold: bool = False, color: RGBColor = GREY) -> None:
        run.font.size = Pt(size * self.scale)
        run.font.bold = bold
        run.font.color.rgb = color
        thai_font(run.font, self.latin, thai_lang=self.lang == "th")

    def text(
        self,
        slide: Slide,
        text: str,
        box: tuple[float, float, float, float],
        size: float = 14,
        *,
        bold: bool = False,
        color: RGBColor = GREY,
        align: PP_ALIGN | None = None,
    ) -> None:
        frame = slide.shapes.add_textbox(*(Inches(v) for v in box)).text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            if align is not None:
                para.alignment = align
            run = para.add_run()
            run.text = line
            self.style(run, size, bold=bold, color=color)

    def slide(self, title: str) -> Slide:
        slide = self.deck.slides.add_slide(self.deck.slide_layouts[6])
        bar = slide.shapes.add_shape(1, 0, 0, self.deck.slide_width, Inches(0.9))
        bar.fill.solid()
        bar.fill.fore_color.rgb = NAVY
        bar.line.fill.background()
        self.text(slide, title, (0.4, 0.12, 9.5, 0.7), 24, bold=True, color=WHITE)
        self.text(
            slide, self.data.centre_name, (9.3, 0.25, 3.8, 0.5), 11, color=WHITE,
            align=PP_ALIGN.RIGHT,
        )  # fmt: skip
        period = fmt.period_title(self.data.period, self.lang)
        self.text(slide, period, (0.4, 7.0, 8, 0.4), 10)
        return slide

    def table(
        self,
        slide: Slide,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        box: tuple[float, float, float, float],
        *,
        size: float = 11,
        colors: Sequence[RGBColor | None] | None = None,
        widths: Sequence[float] | None = None,
    ) -> None:
        """`widths`: each column's share of the box, headings on two lines (else the first
        takes what a label needs and the others share the rest)."""
        shape = slide.shapes.add_table(len(rows) + 1, len(header), *(Inches(v) for v in box))
        table = shape.table
        if widths is not None:
            for c, share in enumerate(widths):
                table.columns[c].width = int(Inches(box[2]) * share)
            table.rows[0].height = Inches(0.62)  # narrow columns: two-line headings
        elif len(header) > 2:  # the label column takes what its words need
            total = Inches(box[2])
            first = int(total * (0.45 if len(header) <= 4 else 0.16))
            table.columns[0].width = first
            for c in range(1, len(header)):
                table.columns[c].width = int((total - first) / (len(header) - 1))
        for c, name in enumerate(header):
            self._cell(table.cell(0, c), name, size, bold=True, color=WHITE)
            table.cell(0, c).fill.solid()
            table.cell(0, c).fill.fore_color.rgb = NAVY
        for r, row in enumerate(rows, start=1):
            color = colors[r - 1] if colors else None
            for c, value in enumerate(row):
                self._cell(table.cell(r, c), value, size, color=color or GREY, right=c > 0)

    def _cell(
        self, cell: Any, text: str, size: float, *, bold: bool = False, color: RGBColor = GREY,
        right: bool = False,
    ) -> None:  # fmt: skip
        """One table cell's text. The first cell of each look is styled through python-pptx;
        the others get a copy of its paragraph with their own text (a pack's thousand cells
        styled one by one took 0.6 s of a monthly pack's 2)."""
        key = (size, bold, str(color), right)
        model = self._cell_looks.get(key)
        if model is None or _CONTROL.search(text):
            cell.text = ""
            para = cell.text_frame.paragraphs[0]
            if right:
                para.alignment = PP_ALIGN.RIGHT
            run = para.add_run()
            run.text = text
            self.style(run, size, bold=bold, color=color)
            self._cell_looks.setdefault(key, copy.deepcopy(para._p))
            return
        body = cell._tc.get_or_add_txBody()
        for old in body.findall(qn("a:p")):
            body.remove(old)
        para_el = copy.deepcopy(model)
        para_el.find(qn("a:r")).find(qn("a:t")).text = text
        body.append(para_el)

    def chart(
        self,
        slide: Slide,
        kind: Any,
        categories: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None]]],
        box: tuple[float, float, float, float],
        *,
        legend: bool = True,
    ) -> None:
        data = CategoryChartData()
        data.categories = list(categories)
        for name, values in series:
            data.add_series(name, list(values))
        x, y, cx, cy = (Inches(v) for v in box)
        frame: Any = slide.shapes.add_chart(kind, x, y, cx, cy, data)  # type: ignore[arg-type]
        chart = frame.chart
        chart.font.size = Pt(10 * self.scale)
        thai_font(chart.font, self.latin, thai_lang=self.lang == "th")
        chart.has_legend = legend
        if legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False

    def save(self) -> bytes:
        out = io.BytesIO()
        self.deck.save(out)
        return out.getvalue()

    def w(self, key: str) -> str:
        return thai.word(key, self.lang)

    def f(self, key: str) -> str:
        return thai.field(key, self.lang)


def thai_font(font: Any, latin: str, *, thai_lang: bool, cs: str = thai.THAI_FONT) -> None:
    """Latin face by python-pptx, and the complex-script face (`a:cs`) Thai is drawn with."""
    font.name = latin
    rpr = font._rPr  # python-pptx keeps the <a:rPr>/<a:defRPr> element here
    for old in rpr.findall(qn("a:cs")):
        rpr.remove(old)
    cs_el = etree.SubElement(rpr, qn("a:cs"))
    cs_el.set("typeface", cs)
    rpr.find(qn("a:latin")).addnext(cs_el)  # schema order: latin, ea, cs
    if thai_lang:
        rpr.set("lang", "th-TH")


def _theme_thai_font(deck: Deck) -> None:
    """The theme's major and minor fonts name the Thai face for complex script (and Thai)."""
    theme = deck.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    for group in ("a:majorFont", "a:minorFont"):
        for el in root.iter(qn(group)):
            cs = el.find(qn("a:cs"))
            if cs is not None:
                cs.set("typeface", thai.THAI_FONT)
            thai_el = next((f for f in el.findall(qn("a:font")) if f.get("script") == "Thai"), None)
            if thai_el is None:
                thai_el = etree.SubElement(el, qn("a:font"))
                thai_el.set("script", "Thai")
            thai_el.set("typeface", thai.THAI_FONT)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- sections ------------------------------------------------------------------------


def cover(b: Builder, title_key: str) -> None:
    """Page one: the pack, the period, completeness, and the contract table."""
    d = b.data
    slide = b.slide(f"{b.w(title_key)} — {fmt.period_title(d.period, b.lang)}")
    meta = f"{b.w('built')} {fmt.moment(d.built_at, b.lang)}"
    if d.revision > 1:
        meta += f" · {b.w('revision')} {d.revision}"
    b.text(slide, meta, (0.4, 1.0, 8, 0.4), 11)
    flag = b.w("complete") if d.complete else b.w("incomplete")
    b.text(slide, flag, (0.4, 1.4, 12.5, 0.5), 14, bold=True, color=GREEN if d.complete else RED)
    rows, colors = [], []
    for j in d.contract:
        goal = f"{OPS[j.target.op]} {fmt.number(j.target.goal)}"
        goal += " %" if j.target.unit == "%" else " s"
        verdict = b.w("no_data") if j.met is None else b.w("met") if j.met else b.w("not_met")
        label = j.target.label[0] if b.lang == "th" else j.target.label[1]
        rows.append([label, goal, fmt.number(j.value), verdict])
        colors.append(None if j.met is None else GREEN if j.met else RED)
    header = [b.w("contract"), b.w("target"), b.w("value"), ""]
    b.table(slide, header, rows, (0.4, 2.0, 12.5, 0.4 * (len(rows) + 1)), size=13, colors=colors)


def headline(b: Builder) -> None:
    body = b.data.body
    slide = b.slide(b.w("centre"))
    rows = [[b.f(k), fmt.number(body.get(k))] for k in HEADLINE]
    b.table(slide, [b.w("figure"), b.w("value")], rows, (0.4, 1.1, 5.6, 5.6), size=11)
    outcomes = ("answered", "abandoned", "short_abandoned", "timeout", "no_agents", "key_exit")
    b.text(slide, b.w("outcomes"), (6.4, 1.05, 6.5, 0.4), 14, bold=True)
    b.chart(
        slide, XL_CHART_TYPE.PIE, [b.f(k) for k in outcomes],
        [(b.w("outcomes"), [body.get(k) or 0 for k in outcomes])], (6.4, 1.5, 6.5, 5.3),
    )  # fmt: skip


def queues(b: Builder) -> None:
    qs = b.data.body.get("queues", {})
    names = sorted(qs)
    for start in range(0, max(len(names), 1), ROWS_PER_SLIDE):
        slide = b.slide(b.w("queues"))
        rows = [
            [b.data.queue_name(name), *(fmt.number(qs[name].get(k)) for k in QUEUE_COLUMNS)]
            for name in names[start : start + ROWS_PER_SLIDE]
        ]
        header = [b.w("queue"), *(b.f(k) for k in QUEUE_COLUMNS)]
        b.table(slide, header, rows, (0.3, 1.1, 12.7, 0.4 * (len(rows) + 1)), size=9)


def over_time(b: Builder) -> None:
    d = b.data
    rows = d.body.get("intervals", [])
    cats = [fmt.interval_label(r["start"], d.period.kind, b.lang) for r in rows]
    slide = b.slide(b.w("over_time"))
    if not rows:
        b.text(slide, b.w("no_data"), (0.4, 1.2, 8, 0.5), 16)
        return
    b.chart(
        slide, XL_CHART_TYPE.COLUMN_CLUSTERED, cats,
        [(b.f(k), [r[k] for r in rows]) for k in ("offered", "answered", "abandoned")],
        (0.3, 1.0, 12.7, 3.1),
    )  # fmt: skip
    b.chart(
        slide, XL_CHART_TYPE.LINE_MARKERS, cats,
        [(b.f("sl_pct"), [r["sl_pct"] for r in rows])], (0.3, 4.1, 12.7, 2.9),
    )  # fmt: skip
    for start in range(0, len(rows), ROWS_PER_SLIDE):
        part = rows[start : start + ROWS_PER_SLIDE]
        slide = b.slide(f"{b.w('over_time')} ({start // ROWS_PER_SLIDE + 1})")
        header = [b.w("interval"), *(b.f(k) for k in INTERVAL_COLUMNS)]
        table = [
            [fmt.interval_label(r["start"], d.period.kind, b.lang),
             *(fmt.number(r.get(k)) for k in INTERVAL_COLUMNS)]
            for r in part
        ]  # fmt: skip
        b.table(slide, header, table, (0.3, 1.1, 12.7, 0.38 * (len(part) + 1)), size=10)


def waits(b: Builder) -> None:
    bands = b.data.body.get("wait_distribution", [])
    slide = b.slide(b.w("waits"))
    cats = [f"≤ {x['up_to_s']} s" if x["up_to_s"] else "> 300 s" for x in bands]
    b.chart(
        slide, XL_CHART_TYPE.COLUMN_STACKED, cats,
        [(b.f("answered"), [x["answered"] for x in bands]),
         (b.f("abandoned") + " / " + b.f("timeout"), [x["unanswered"] for x in bands])],
        (0.4, 1.1, 12.5, 5.8),
    )  # fmt: skip


def agents(b: Builder) -> None:
    people = b.data.body.get("agents", [])
    cols = ("answered", "aht_s", "avg_talk_s", "avg_hold_s", "asa_s")
    for start in range(0, max(len(people), 1), ROWS_PER_SLIDE):
        slide = b.slide(b.w("agents"))
        part = people[start : start + ROWS_PER_SLIDE]
        rows = [[a["agent"], *(fmt.number(a.get(k)) for k in cols)] for a in part]
        if not rows:
            b.text(slide, b.w("none"), (0.4, 1.2, 8, 0.5), 16)
            continue
        header = [b.w("agent"), *(b.f(k) for k in cols)]
        b.table(slide, header, rows, (0.4, 1.1, 12.5, 0.4 * (len(rows) + 1)), size=11)


def agent_time(b: Builder) -> None:
    """Logged-in and pause hours, occupancy, calls per hour, rings not answered; the pause
    reasons beside (queue_log's member lines, kpi-v1 §12)."""
    people = [a for a in b.data.body.get("agents", []) if "logged_in_s" in a]
    if not people:
        return
    for start in range(0, len(people), ROWS_PER_SLIDE):
        slide = b.slide(b.w("agent_time"))
        rows = [
            [a["agent"], fmt.number(round(a["logged_in_s"] / 3600, 2)),
             fmt.number(round(a["paused_s"] / 3600, 2)), fmt.number(a["occupancy_pct"]),
             fmt.number(a["calls_per_hour"]), fmt.number(a["ring_no_answer"]),
             " · ".join(f"{pause_reason(r, b.lang)} {s / 60:.0f} {b.w('minutes')}"
                        for r, s in a["paused_by_reason"].items())]
            for a in people[start : start + ROWS_PER_SLIDE]
        ]  # fmt: skip
        header = [b.w("agent"), b.f("logged_in_h"), b.f("paused_h"), b.f("occupancy_pct"),
                  b.f("calls_per_hour"), b.f("ring_no_answer"), b.w("reason")]  # fmt: skip
        b.table(slide, header, rows, (0.4, 1.1, 12.5, 0.6 + 0.4 * len(rows)), size=10,
                widths=(0.12, 0.1, 0.1, 0.11, 0.1, 0.1, 0.37))  # fmt: skip


def pause_reason(code: str, lang: str) -> str:
    """A pause reason code as the desk names it (its code if the desk has no such reason)."""
    th, en = PAUSE_REASONS.get(code, (code or "–", code or "–"))
    return th if lang == "th" else en


CSAT_FIELDS = ("csat_asked", "csat_answered", "csat_response_pct", "csat_avg")


def chat_rows(chat: dict[str, Any], lang: str) -> tuple[list[str], list[list[Any]]]:
    """The chat desk's figures (chat-v1, then its questionnaires): all channels, then each;
    the column names and, per figure, its label and values (slides and sheets alike)."""
    kpi, csat = chat.get("kpi", {}), chat.get("satisfaction", {})
    channels = sorted(set(kpi.get("channels", {})) | set(csat.get("channels", {})))
    columns = [thai.word("all_channels", lang), *(thai.channel(c, lang) for c in channels)]
    rows: list[list[Any]] = []
    for key, label in chat_kpi.LABELS.items():
        th, _, en = label.partition(" · ")
        values = [kpi.get("total", {}).get(key)]
        values += [kpi["channels"].get(c, {}).get(key) for c in channels]
        rows.append([th if lang == "th" else en, *values])
    for key in CSAT_FIELDS:
        values = [csat.get("total", {}).get(key)]
        values += [csat["channels"].get(c, {}).get(key) for c in channels]
        rows.append([thai.field(key, lang), *values])
    return columns, rows


def chat(b: Builder) -> None:
    """The chat desk beside the phones: chat-v1 per channel (SL against each channel's
    first-reply SLA) and the questionnaires' answers (docs/kpi-v1.md §10)."""
    kpi = b.data.chat.get("kpi", {})
    asked = b.data.chat.get("satisfaction", {}).get("total", {}).get("csat_asked")
    if not kpi.get("total", {}).get("chat_offered") and not asked:
        return
    slide = b.slide(b.w("chat"))
    columns, rows = chat_rows(b.data.chat, b.lang)
    table = [[label, *(fmt.number(v) for v in values)] for label, *values in rows]
    first = f"{b.w('figure')} ({kpi.get('definition', 'chat-v1')})"
    share = 0.7 / len(columns)
    b.table(slide, [first, *columns], table, (0.4, 1.1, 12.5, 0.36 * (len(table) + 1)),
            size=10, widths=(0.3, *(share for _ in columns)))  # fmt: skip


def callbacks(b: Builder) -> None:
    body = b.data.body
    slide = b.slide(b.w("callbacks"))
    rows = [[b.f(k), fmt.number(body.get(k))] for k in CALLBACK_FIELDS]
    b.table(slide, [b.w("figure"), b.w("value")], rows, (0.4, 1.1, 7.4, 0.4 * (len(rows) + 1)))
    why = body.get("callback_outcomes", [])[:ROWS_PER_SLIDE]
    if why:
        table = [[f"{o['state']} {o['outcome']}".strip(), fmt.number(o["tasks"]),
                  fmt.number(o["attempts"])] for o in why]  # fmt: skip
        header = [b.w("outcome_text"), b.w("callbacks"), b.w("attempts")]
        b.table(slide, header, table, (8.0, 1.1, 5.0, 0.4 * (len(table) + 1)), size=10)


def csat(b: Builder) -> None:
    """Post-call satisfaction: the centre's figures, then per agent (docs/kpi-v1.md 6b)."""
    body = b.data.body
    slide = b.slide(b.w("csat"))
    rows = [[b.f(k), fmt.number(body.get(k))] for k in CALL_CSAT_FIELDS]
    b.table(slide, [b.w("figure"), b.w("value")], rows, (0.4, 1.1, 5.4, 0.4 * (len(rows) + 1)))
    people = body.get("csat_by_agent", [])[:ROWS_PER_SLIDE]
    if people:
        table = [
            [a["agent"], *(fmt.number(a.get(k)) for k in CALL_CSAT_FIELDS[1:])] for a in people
        ]
        header = [b.w("agent"), *(b.f(k) for k in CALL_CSAT_FIELDS[1:])]
        b.table(slide, header, table, (6.0, 1.1, 7.0, 0.4 * (len(table) + 1)), size=10)


def cases(b: Builder) -> None:
    d = b.data
    slide = b.slide(b.w("cases"))
    rows = [[b.f(k), fmt.number(d.body.get(k))] for k in CASE_FIELDS]
    b.table(slide, [b.w("figure"), b.w("value")], rows, (0.4, 1.1, 5.0, 0.4 * (len(rows) + 1)))
    before = {
        (r["service_line"], r["category"]): r["cases"]
        for r in d.previous.get("cases_by_category", [])
    }
    cats = d.body.get("cases_by_category", [])[:ROWS_PER_SLIDE]
    lang_key = "label_th" if b.lang == "th" else "label_en"
    line_key = "line_th" if b.lang == "th" else "line_en"
    table = []
    for r in cats:
        change = r["cases"] - before.get((r["service_line"], r["category"]), 0)
        table.append([r[line_key], r[lang_key] or fmt.DASH, fmt.number(r["cases"]), f"{change:+d}"])
    header = [b.w("queue"), b.w("categories"), b.f("cases_opened"), b.w("change")]
    if table:
        b.table(slide, header, table, (5.7, 1.1, 7.3, 0.38 * (len(table) + 1)), size=10)
    refs = d.body.get("referrals_by_agency", [])
    if refs:
        slide = b.slide(b.w("referrals"))
        rows = [
            [r[lang_key], fmt.number(r["referrals"]), fmt.number(r["returned"]),
             fmt.number(r["return_rate_pct"])]
            for r in refs[:ROWS_PER_SLIDE]
        ]  # fmt: skip
        header = [b.w("agency"), b.w("referrals"), b.w("returned"), "%"]
        b.table(slide, header, rows, (0.4, 1.1, 10, 0.4 * (len(rows) + 1)))


def staffing(b: Builder) -> None:
    plans = b.data.staffing
    if not plans:
        return
    slide = b.slide(b.w("staffing"))
    cats = [p.start.strftime("%H:%M") for p in plans]
    b.chart(
        slide, XL_CHART_TYPE.LINE_MARKERS, cats,
        [(b.w("needed"), [p.agents_needed for p in plans]),
         (b.w("required"), [p.required_for_actual for p in plans]),
         (b.w("agents"), [p.actual_agents for p in plans])],
        (0.3, 1.0, 12.7, 3.4),
    )  # fmt: skip
    busy = [p for p in plans if p.forecast_calls or p.actual_offered][: ROWS_PER_SLIDE // 2]
    header = [b.w("interval"), b.w("forecast"), b.w("needed"), b.w("scheduled"), b.f("offered"),
              b.w("required"), b.w("agents"), b.f("sl_pct"), b.w("understaffed")]  # fmt: skip
    rows = [
        [p.start.strftime("%H:%M"), fmt.number(round(p.forecast_calls, 2)),
         str(p.agents_needed), str(p.agents_scheduled), str(p.actual_offered),
         str(p.required_for_actual), str(p.actual_agents), fmt.number(p.actual_sl_pct),
         "!" if p.understaffed else ""]
        for p in busy
    ]  # fmt: skip
    if rows:
        b.table(slide, header, rows, (0.3, 4.5, 12.7, 0.3 * (len(rows) + 1)), size=9)


def success_list(b: Builder) -> None:
    items = b.data.success
    per = 5
    for start in range(0, max(len(items), 1), per):
        slide = b.slide(b.w("success"))
        part = items[start : start + per]
        if not part:
            b.text(slide, b.w("none"), (0.4, 1.2, 8, 0.5), 16)
            continue
        th = b.lang == "th"
        rows = [
            [s["number"], s["line_th" if th else "line_en"], s["summary"][:160],
             s["agencies"] or fmt.DASH, s["outcome"][:160]]
            for s in part
        ]  # fmt: skip
        header = [b.w("number"), b.w("queue"), b.w("summary_text"), b.w("agency"),
                  b.w("outcome_text")]  # fmt: skip
        b.table(slide, header, rows, (0.3, 1.1, 12.7, 5.6), size=9)


Section = Callable[[Builder], None]
# Chat channels add their sections here (an issue of its own).
FULL: tuple[Section, ...] = (
    headline,
    queues,
    over_time,
    waits,
    agents,
    agent_time,
    callbacks,
    csat,
    chat,
    cases,
    staffing,
)
SUMMARY: tuple[Section, ...] = (headline, over_time)


def deck(data: PackData, title_key: str, sections: Sequence[Section]) -> bytes:
    b = Builder(data)
    cover(b, title_key)
    for section in sections:
        section(b)
    return b.save()


def report(data: PackData) -> bytes:
    title = {Kind.daily: "daily", Kind.weekly: "weekly", Kind.monthly: "monthly"}.get(
        data.period.kind, "annual"
    )
    return deck(data, title, FULL)


def summary(data: PackData) -> bytes:
    return deck(data, "summary", SUMMARY)


def success(data: PackData) -> bytes:
    return deck(data, "success", (success_list,))
