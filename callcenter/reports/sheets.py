"""Excel packs (openpyxl): the KPI values as numbers (never text), native charts, Thai fonts.

Sheet one is the contract table with the completeness flag; "KPI" holds every scalar figure
of the period's `period_report` body under its docs/kpi-v1.md field name.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from callcenter.reports import fmt, slides, thai
from callcenter.reports.data import PackData
from callcenter.reports.slides import CALL_CSAT_FIELDS, CALLBACK_FIELDS, CASE_FIELDS
from queue_metrics.kpi import FIELDS

HEAD_FILL = PatternFill("solid", fgColor="1F3A5F")


class Book:
    def __init__(self, data: PackData) -> None:
        self.data = data
        self.lang = data.lang
        self.wb = Workbook()
        face = thai.THAI_FONT if self.lang == "th" else thai.LATIN_FONT
        self.size = 14 if self.lang == "th" else 11
        self.font = Font(name=face, size=self.size)
        self.bold = Font(name=face, size=self.size, bold=True)
        self.head = Font(name=face, size=self.size, bold=True, color="FFFFFF")
        self.first = True

    def sheet(self, title: str) -> Worksheet:
        title = re.sub(r"[\[\]:*?/\\]", " ", title).split("  ")[0].strip()[:31]
        if self.first:
            ws = self.wb.active
            assert ws is not None
            ws.title = title
            self.first = False
        else:
            ws = self.wb.create_sheet(title)
        return ws

    def rows(self, ws: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Header then rows from the sheet's next row; returns the header's row number."""
        top = ws.max_row + (2 if ws.max_row > 1 else 0)
        for c, name in enumerate(header, start=1):
            cell = ws.cell(row=top, column=c, value=name)
            cell.font, cell.fill = self.head, HEAD_FILL
        for r, row in enumerate(rows, start=top + 1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                cell.font = self.font
                if isinstance(value, float):
                    cell.number_format = "#,##0.0#"
                elif isinstance(value, int) and not isinstance(value, bool):
                    cell.number_format = "#,##0"
        for c in range(1, len(header) + 1):
            letter = ws.cell(row=top, column=c).column_letter
            ws.column_dimensions[letter].width = 14 if c > 1 else 34
        return top

    def line(self, ws: Worksheet, text: str, *, bold: bool = False) -> None:
        cell = ws.cell(row=ws.max_row + 1 if ws.max_row > 1 or ws["A1"].value else 1, column=1)
        cell.value = text
        cell.font = self.bold if bold else self.font
        cell.alignment = Alignment(wrap_text=False)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()

    def w(self, key: str) -> str:
        return thai.word(key, self.lang)

    def f(self, key: str) -> str:
        return thai.field(key, self.lang)


def contract_sheet(b: Book, title_key: str) -> None:
    d = b.data
    ws = b.sheet(b.w("contract")[:31])
    b.line(ws, f"{d.centre_name} — {b.w(title_key)}", bold=True)
    b.line(ws, f"{b.w('period')}: {fmt.period_title(d.period, b.lang)} ({d.period.name})")
    meta = f"{b.w('built')}: {fmt.moment(d.built_at, b.lang)}"
    if d.revision > 1:
        meta += f" · {b.w('revision')} {d.revision}"
    b.line(ws, meta)
    b.line(ws, b.w("complete") if d.complete else b.w("incomplete"), bold=True)
    ws.cell(row=ws.max_row, column=1).font = Font(
        name=b.font.name, size=b.size, bold=True, color="1E7B34" if d.complete else "B01E1E"
    )
    rows: list[list[Any]] = []
    for j in d.contract:
        label = j.target.label[0] if b.lang == "th" else j.target.label[1]
        verdict = b.w("no_data") if j.met is None else b.w("met") if j.met else b.w("not_met")
        rows.append([label, f"{j.target.op} {fmt.number(j.target.goal)}", j.value, verdict])
    b.rows(ws, [b.w("contract"), b.w("target"), b.w("value"), ""], rows)


def kpi_sheet(b: Book) -> None:
    """Every scalar of the body: field name, label, value (what the API answers)."""
    ws = b.sheet("KPI")
    body = b.data.body
    keys = [k for k, v in body.items() if not isinstance(v, (list, dict))]
    rows = [[k, b.f(k), body[k]] for k in keys]
    b.rows(ws, ["field", b.w("figure"), b.w("value")], rows)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 36


def queues_sheet(b: Book) -> None:
    ws = b.sheet(b.w("queues")[:31])
    qs = b.data.body.get("queues", {})
    rows = [[q, b.data.queue_name(q), *(qs[q].get(k) for k in FIELDS)] for q in sorted(qs)]
    b.rows(ws, ["queue", b.w("queue"), *FIELDS], rows)


def intervals_sheet(b: Book) -> None:
    ws = b.sheet(b.w("over_time")[:31])
    rows = b.data.body.get("intervals", [])
    cols = [*FIELDS, "agents_answering"]
    top = b.rows(ws, ["start", *cols], [[r["start"], *(r.get(k) for k in cols)] for r in rows])
    if not rows:
        return
    n = len(rows)
    cats = Reference(ws, min_col=1, min_row=top + 1, max_row=top + n)
    bar = BarChart()
    bar.title = b.w("over_time")
    for name in ("offered", "answered", "abandoned"):
        col = 2 + FIELDS.index(name)
        bar.add_data(
            Reference(ws, min_col=col, min_row=top, max_row=top + n), titles_from_data=True
        )
    bar.set_categories(cats)
    bar.width, bar.height = 24, 9
    ws.add_chart(bar, f"A{top + n + 3}")
    line = LineChart()
    line.title = b.f("sl_pct")
    col = 2 + FIELDS.index("sl_pct")
    line.add_data(Reference(ws, min_col=col, min_row=top, max_row=top + n), titles_from_data=True)
    line.set_categories(cats)
    line.width, line.height = 24, 7
    ws.add_chart(line, f"A{top + n + 23}")


def waits_sheet(b: Book) -> None:
    ws = b.sheet(b.w("waits")[:31])
    bands = b.data.body.get("wait_distribution", [])
    rows = [
        [x["up_to_s"] if x["up_to_s"] else "> 300", x["answered"], x["unanswered"]] for x in bands
    ]
    top = b.rows(ws, ["up_to_s", "answered", "unanswered"], rows)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=top, max_row=top + len(rows)),
                   titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(rows)))
    ws.add_chart(chart, "E2")


def agents_sheet(b: Book) -> None:
    ws = b.sheet(b.w("agents")[:31])
    people = b.data.body.get("agents", [])
    cols = ["answered", "aht_s", "avg_talk_s", "avg_hold_s", "asa_s", "handle_s", "wrapup_s"]
    b.rows(ws, ["agent", *cols], [[a["agent"], *(a.get(k) for k in cols)] for a in people])


def csat_sheet(b: Book) -> None:
    """Post-call satisfaction: the centre's figures, then per agent."""
    body = b.data.body
    ws = b.sheet(b.w("csat")[:31])
    b.rows(ws, ["field", b.w("figure"), b.w("value")],
           [[k, b.f(k), body.get(k)] for k in CALL_CSAT_FIELDS])  # fmt: skip
    people = body.get("csat_by_agent", [])
    b.rows(ws, ["agent", *CALL_CSAT_FIELDS],
           [[a["agent"], *(a.get(k) for k in CALL_CSAT_FIELDS)] for a in people])  # fmt: skip


TIME_COLS = ("logged_in_s", "paused_s", "occupancy_pct", "calls_per_hour", "ring_no_answer")


def agent_time_sheet(b: Book) -> None:
    """Each agent's logged-in and pause time (queue_log's member lines), occupancy, calls per
    hour and rings not answered; then their pauses by reason."""
    ws = b.sheet(b.w("agent_time")[:31])
    people = [a for a in b.data.body.get("agents", []) if "logged_in_s" in a]
    b.rows(ws, ["agent", *TIME_COLS], [[a["agent"], *(a[k] for k in TIME_COLS)] for a in people])
    pauses = [
        [a["agent"], reason, seconds]
        for a in people
        for reason, seconds in a["paused_by_reason"].items()
    ]
    b.rows(ws, ["agent", b.w("reason"), "paused_s"], pauses)


def chat_sheet(b: Book) -> None:
    """The chat desk: chat-v1 and its questionnaires, all channels and each."""
    ws = b.sheet(b.w("chat")[:31])
    columns, rows = slides.chat_rows(b.data.chat, b.lang)
    b.rows(ws, [b.w("figure"), *columns], rows)


def callbacks_cases_sheet(b: Book) -> None:
    body, prev = b.data.body, b.data.previous
    ws = b.sheet(b.w("callbacks")[:31])
    b.rows(ws, ["field", b.w("figure"), b.w("value")],
           [[k, b.f(k), body.get(k)] for k in CALLBACK_FIELDS])  # fmt: skip
    why = body.get("callback_outcomes", [])
    b.rows(ws, ["state", "outcome", "tasks", "attempts"],
           [[o["state"], o["outcome"], o["tasks"], o["attempts"]] for o in why])  # fmt: skip
    ws = b.sheet(b.w("cases")[:31])
    b.rows(ws, ["field", b.w("figure"), b.w("value")],
           [[k, b.f(k), body.get(k)] for k in CASE_FIELDS])  # fmt: skip
    before = {
        (r["service_line"], r["category"]): r["cases"] for r in prev.get("cases_by_category", [])
    }
    th = b.lang == "th"
    cats = [
        [r["line_th" if th else "line_en"], r["label_th" if th else "label_en"], r["cases"],
         r["cases"] - before.get((r["service_line"], r["category"]), 0)]
        for r in body.get("cases_by_category", [])
    ]  # fmt: skip
    b.rows(ws, [b.w("queue"), b.w("categories"), b.f("cases_opened"), b.w("change")], cats)
    refs = [
        [r["label_th" if th else "label_en"], r["referrals"], r["returned"], r["return_rate_pct"]]
        for r in body.get("referrals_by_agency", [])
    ]
    b.rows(ws, [b.w("agency"), b.w("referrals"), "returned", "return_rate_pct"], refs)


def staffing_sheet(b: Book) -> None:
    plans = b.data.staffing
    if not plans:
        return
    ws = b.sheet(b.w("staffing")[:31])
    rows = [list(p.as_dict().values()) for p in plans]
    header = list(plans[0].as_dict().keys())
    top = b.rows(ws, header, rows)
    chart = LineChart()
    chart.title = b.w("staffing")
    for name in ("agents_needed", "required_for_actual", "actual_agents"):
        col = 1 + header.index(name)
        chart.add_data(Reference(ws, min_col=col, min_row=top, max_row=top + len(rows)),
                       titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(rows)))
    chart.width, chart.height = 24, 9
    ws.add_chart(chart, f"M{top}")


def success_sheet(b: Book) -> None:
    ws = b.sheet(b.w("success")[:31])
    th = b.lang == "th"
    rows = [
        [s["number"], s["opened"], s["line_th" if th else "line_en"],
         s["category_th" if th else "category_en"], s["summary"], s["agencies"], s["outcome"]]
        for s in b.data.success
    ]  # fmt: skip
    header = [b.w("number"), b.w("period"), b.w("queue"), b.w("categories"),
              b.w("summary_text"), b.w("agency"), b.w("outcome_text")]  # fmt: skip
    b.rows(ws, header, rows)


def results(data: PackData) -> bytes:
    b = Book(data)
    contract_sheet(b, "results")
    kpi_sheet(b)
    queues_sheet(b)
    intervals_sheet(b)
    waits_sheet(b)
    agents_sheet(b)
    callbacks_cases_sheet(b)
    csat_sheet(b)
    agent_time_sheet(b)
    chat_sheet(b)
    staffing_sheet(b)
    return b.save()


def success(data: PackData) -> bytes:
    b = Book(data)
    contract_sheet(b, "success")
    success_sheet(b)
    return b.save()
