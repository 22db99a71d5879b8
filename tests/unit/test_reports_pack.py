"""Report packs without a database: periods and due times, and the files' figures and fonts."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.oxml.ns import qn

from callcenter.chat import kpi as chat_kpi
from callcenter.chat import sla as chat_sla
from callcenter.errors import InvalidInput
from callcenter.kpi import service as kpi_service
from callcenter.reports import fmt, sheets, slides, thai
from callcenter.reports.data import PackData, judge, mask_text
from callcenter.reports.periods import Kind, Period, containing, last_due, parse
from callcenter.staffing.forecast import IntervalPlan, Observed, Rules, plan_day
from queue_metrics.agent_time import AgentTime, MemberEvent, rates, time_in_states
from queue_metrics.config import MetricsConfig
from queue_metrics.records import CallRecord, Outcome

BKK = ZoneInfo("Asia/Bangkok")
CONFIG = MetricsConfig(sl_threshold_s=15, short_abandon_s=5, queues=("q-a", "q-b"))


def test_periods_parse_and_fall_due_at_ten_bangkok() -> None:
    day = parse("daily", "2026-12-06")
    assert day.bounds(BKK)[0] == datetime(2026, 12, 6, tzinfo=BKK)
    assert day.due(BKK) == datetime(2026, 12, 7, 10, tzinfo=BKK)
    week = parse("weekly", "2026-W49")
    assert (week.first, week.last) == (date(2026, 11, 30), date(2026, 12, 6))
    assert week.due(BKK) == datetime(2026, 12, 7, 10, tzinfo=BKK)  # the next Monday
    month = parse("monthly", "2026-12")
    assert month.due(BKK) == datetime(2027, 1, 10, 10, tzinfo=BKK)
    year = parse("annual", "2026")
    assert year.due(BKK) == datetime(2027, 1, 10, 10, tzinfo=BKK)
    assert parse("monthly", "2026-02").last == date(2026, 2, 28)
    for kind, bad in (("daily", "2026-13-01"), ("weekly", "2026-W60"), ("monthly", "12-2026")):
        with pytest.raises(InvalidInput):
            parse(kind, bad)


def test_the_last_due_period_turns_at_ten() -> None:
    before = datetime(2026, 12, 7, 9, 59, tzinfo=BKK)
    after = datetime(2026, 12, 7, 10, 0, tzinfo=BKK)
    assert last_due(Kind.daily, before, BKK).name == "2026-12-05"
    assert last_due(Kind.daily, after, BKK).name == "2026-12-06"
    assert last_due(Kind.weekly, after, BKK).name == "2026-W49"
    assert last_due(Kind.monthly, datetime(2027, 1, 10, 10, tzinfo=BKK), BKK).name == "2026-12"
    assert last_due(Kind.monthly, datetime(2027, 1, 9, 23, tzinfo=BKK), BKK).name == "2026-11"
    assert last_due(Kind.annual, datetime(2027, 1, 10, 10, tzinfo=BKK), BKK).name == "2026"


def test_thai_dates_use_the_buddhist_era() -> None:
    assert thai.long_date(date(2026, 12, 6), "th") == "6 ธันวาคม 2569"
    assert thai.long_date(date(2026, 12, 6), "en") == "6 December 2026"
    assert fmt.period_title(parse("annual", "2026"), "th") == "พ.ศ. 2569"


def test_free_text_loses_numbers_mails_and_the_callers_name() -> None:
    text = "คุณสมชาย ใจดี โทร 081-234-5678 อีเมล somchai@example.com เลขบัญชี 1234567890123"
    out = mask_text(text, names=("สมชาย ใจดี",))
    assert "081-234-5678" not in out and "5678" in out and "somchai@" not in out
    assert "สมชาย" not in out and "1234567890123" not in out


def records(day: date) -> list[CallRecord]:
    base = datetime(day.year, day.month, day.day, 9, tzinfo=BKK).timestamp()
    out = []
    for i in range(30):
        q = "q-a" if i % 3 else "q-b"
        at = base + i * 600
        if i % 10 == 9:
            out.append(CallRecord(f"c{i}", f"c{i}", q, at, outcome=Outcome.abandoned, wait_s=40))
            continue
        out.append(
            CallRecord(
                f"c{i}", f"c{i}", q, at, outcome=Outcome.answered, wait_s=i % 25,
                agent=f"agent{i % 4}", answered_at=at + i % 25, talk_s=100 + i, wrapup_s=10,
                ended_at=at + 200,
            )
        )  # fmt: skip
    return out


def plan(day: date, body: dict[str, object]) -> list[IntervalPlan]:
    actual = {
        datetime.fromisoformat(r["start"]): Observed(
            r["offered"], r["aht_s"], r["agents_answering"], r["sl_pct"]
        )
        for r in body["intervals"]  # type: ignore[attr-defined]
    }
    return plan_day(day, history={}, actual=actual, rules=Rules(interval_min=60), tz=BKK)


def pack_data(*, complete: bool, lang: str = "th") -> PackData:
    period = containing(Kind.daily, date(2026, 12, 6))
    rs = records(period.first)
    body = kpi_service.report(
        rs, config=CONFIG, queue=None, interval="hour", complete=complete, detail=True
    )
    body |= {"callbacks_owed": 3, "callback_attempt_pct": 66.67, "fcr_pct": None}
    body["cases_by_category"] = [
        {"kind": "category", "service_line": "shop", "line_th": "ซื้อขายออนไลน์",
         "line_en": "Online shopping", "category": "fraud", "label_th": "ฉ้อโกง",
         "label_en": "Fraud", "cases": 7},
    ]  # fmt: skip
    return PackData(
        period=period, lang=lang, centre_name=thai.word("centre_name", lang), body=body,
        previous={"cases_by_category": []}, success=[], staffing=plan(period.first, body),
        built_at=datetime(2026, 12, 7, 10, tzinfo=BKK), contract=judge(body),
    )  # fmt: skip


def slide_texts(slide: object) -> list[str]:
    out = []
    for shape in slide.shapes:  # type: ignore[attr-defined]
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
        elif shape.has_text_frame:
            out.append(shape.text_frame.text)
    return out


def test_thai_deck_page_one_contract_table_and_completeness() -> None:
    data = pack_data(complete=False)
    deck = Presentation(io.BytesIO(slides.report(data)))
    first = slide_texts(deck.slides[0])
    assert any("2569" in t for t in first)  # Buddhist Era in the title
    assert thai.word("incomplete", "th") in first
    # The contract table: SL first, with the period's value and its verdict.
    sl_row = first.index("รับสายภายใน 15 วินาที")
    assert fmt.parse(first[sl_row + 2]) == data.body["sl_pct"]
    assert first[sl_row + 3] == ("ผ่าน" if data.body["sl_pct"] >= 90 else "ไม่ผ่าน")
    complete = Presentation(io.BytesIO(slides.report(pack_data(complete=True))))
    assert thai.word("complete", "th") in slide_texts(complete.slides[0])


def test_every_run_and_chart_names_a_thai_complex_script_font() -> None:
    deck = Presentation(io.BytesIO(slides.report(pack_data(complete=True))))
    runs = [r for s in deck.slides for r in s.shapes._spTree.iter(qn("a:rPr"))]
    assert runs
    for rpr in runs:
        cs = rpr.find(qn("a:cs"))
        assert cs is not None and cs.get("typeface") == thai.THAI_FONT
        assert rpr.get("lang") == "th-TH"
    charts = [sh.chart for s in deck.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= 3  # outcomes, volume, SL, waits: native, editable charts
    for chart in charts:
        cs = chart._chartSpace.find(".//" + qn("a:defRPr") + "/" + qn("a:cs"))
        assert cs is not None and cs.get("typeface") == thai.THAI_FONT
    theme = deck.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
    ).blob.decode()
    assert f'<a:cs typeface="{thai.THAI_FONT}"/>' in theme


def test_the_centre_slide_and_the_kpi_sheet_carry_the_body_values() -> None:
    data = pack_data(complete=True)
    deck = Presentation(io.BytesIO(slides.report(data)))
    texts = slide_texts(deck.slides[1])
    for key in slides.HEADLINE:
        i = texts.index(thai.field(key, "th"))
        assert fmt.parse(texts[i + 1]) == data.body[key], key
    wb = load_workbook(io.BytesIO(sheets.results(data)))
    assert wb.sheetnames[0] == thai.word("contract", "th")  # the contract sheet first
    cells = {row[0]: row[2] for row in wb["KPI"].iter_rows(min_row=2, values_only=True)}
    for key, value in data.body.items():
        if not isinstance(value, (list, dict)):
            assert cells[key] == value, key
    assert wb[wb.sheetnames[3]]._charts  # the intervals' native charts
    staffing = wb[wb.sheetnames[-1]]
    header = [c.value for c in staffing[1]]
    needed = [
        r[header.index("required_for_actual")]
        for r in staffing.iter_rows(min_row=2, values_only=True)
    ]
    assert len(needed) == 24 and max(needed) >= 1  # the hours with calls needed agents


def test_english_pack_has_no_buddhist_era() -> None:
    deck = Presentation(io.BytesIO(slides.summary(pack_data(complete=True, lang="en"))))
    first = " ".join(slide_texts(deck.slides[0]))
    assert "6 December 2026" in first and "2569" not in first


def test_a_previous_period_is_the_one_before() -> None:
    assert parse("weekly", "2027-W01").previous().name == "2026-W53"
    assert parse("monthly", "2027-01").previous().name == "2026-12"
    assert Period(Kind.daily, date(2026, 3, 1), date(2026, 3, 1)).previous().first == date(
        2026, 2, 28
    )
    assert parse("daily", "2026-12-31").next().first - timedelta(days=1) == date(2026, 12, 31)


@pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdffonts")),
    reason="libreoffice and poppler-utils: scripts/bootstrap.sh installs them",
)
def test_a_thai_slide_renders_in_a_thai_face(tmp_path: Path) -> None:
    # LibreOffice draws the deck as PowerPoint would: every glyph, Thai included, in the
    # face the runs name (TH Sarabun New, here its TLWG metric twin Laksaman), none in a
    # fallback face without Thai.
    deck = tmp_path / "daily.pptx"
    deck.write_bytes(slides.summary(pack_data(complete=True)))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    listing = subprocess.run(
        ["pdffonts", str(tmp_path / "daily.pdf")], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    faces = {line.split()[0].split("+")[-1].split("-")[0] for line in listing}
    thai_faces = {"THSarabunNew", "Laksaman", "Sarabun"}
    assert faces and faces <= thai_faces, faces


def test_the_csat_slide_and_sheet_carry_the_centre_and_each_agent() -> None:
    data = pack_data(complete=True, lang="en")
    data.body |= {
        "csat_offered": 5, "csat_responses": 4, "csat_avg": 4.25,
        "csat_response_rate_pct": 80.0, "csat_top2_pct": 75.0,
        "csat_by_agent": [{"agent": "agent07", "csat_offered": 5, "csat_responses": 4,
                           "csat_avg": 4.25, "csat_response_rate_pct": 80.0,
                           "csat_top2_pct": 75.0}],
    }  # fmt: skip
    deck = Presentation(io.BytesIO(slides.report(data)))
    title = thai.word("csat", "en")
    (slide,) = [s for s in deck.slides if title in slide_texts(s)]
    texts = slide_texts(slide)
    assert fmt.parse(texts[texts.index(thai.field("csat_avg", "en")) + 1]) == 4.25
    assert "agent07" in texts
    wb = load_workbook(io.BytesIO(sheets.results(data)))
    ws = wb[title[:31]]
    rows = list(ws.iter_rows(values_only=True))
    assert ("csat_top2_pct", thai.field("csat_top2_pct", "en"), 75, None, None, None) in rows
    assert ("agent07", 5, 4, 4.25, 80, 75) in rows


def test_agents_time_pause_reasons_and_occupancy_reach_the_sheet_and_the_slide() -> None:
    data = pack_data(complete=True)
    shift = [
        MemberEvent(at, "agent1", "q-a", kind, reason)
        for at, kind, reason in (
            (0.0, "add", ""), (3600.0, "pause", "meal"), (5400.0, "unpause", ""),
            (7200.0, "rna", ""), (28800.0, "remove", ""),
        )
    ]  # fmt: skip
    times = time_in_states(shift, start=0.0, stop=86400.0)
    for row in data.body["agents"]:
        row |= rates(times.get(row["agent"], AgentTime()), answered=row["answered"],
                     handle_s=row["handle_s"])  # fmt: skip
    wb = load_workbook(io.BytesIO(sheets.results(data)))
    ws = wb[thai.word("agent_time", "th")]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("agent", *sheets.TIME_COLS)
    agent1 = next(r for r in rows if r[0] == "agent1")
    assert agent1[1:3] == (28800.0, 1800.0) and agent1[5] == 1  # 8 h in, 30 min paused
    assert ("agent1", "meal", 1800.0) in [r[:3] for r in rows]
    deck = Presentation(io.BytesIO(slides.report(data)))
    texts = [t for s in deck.slides for t in slide_texts(s)]
    assert thai.field("logged_in_h", "th") in texts and "8" in texts
    assert any("พักรับประทานอาหาร 30 นาที" in t for t in texts)  # the desk's name of it


def test_the_chat_desk_has_its_slide_and_sheet_with_each_channel() -> None:
    data = pack_data(complete=True)
    t = datetime(2026, 12, 6, 9, tzinfo=BKK)
    rules = chat_sla.defaults(chat_s=1800.0, email_s=86400.0)
    chat, mail = t + timedelta(minutes=30), t + timedelta(hours=24)
    facts = [
        chat_kpi.Facts(1, "line", t, chat, t + timedelta(minutes=10), None),
        chat_kpi.Facts(2, "line", t, chat, t + timedelta(minutes=45), None),  # late: 30 min
        chat_kpi.Facts(3, "email", t, mail, t + timedelta(hours=20), None),  # e-mail: 24 h
        chat_kpi.Facts(4, "facebook", t, chat, None, t + timedelta(minutes=5)),  # gone first
    ]
    data.chat = {
        "kpi": chat_kpi.by_channel(facts, sla=rules, now=t + timedelta(days=1)),
        "satisfaction": {"definition": "chat-csat-v1", "total": {"csat_asked": 2,
                         "csat_answered": 1, "csat_response_pct": 50.0, "csat_avg": 4.0},
                         "channels": {"line": {"csat_asked": 2, "csat_answered": 1,
                                               "csat_response_pct": 50.0, "csat_avg": 4.0}}},
    }  # fmt: skip
    wb = load_workbook(io.BytesIO(sheets.results(data)))
    rows = list(wb["แชต"].iter_rows(values_only=True))  # the tab: the title before ":"
    assert rows[0][1:] == ("ทุกช่องทาง", "อีเมล", "Facebook Messenger", "LINE")
    by_label = {r[0]: r[1:] for r in rows[1:]}
    assert by_label["แชตที่ส่งต่อเจ้าหน้าที่"] == (4, 1, 1, 2)
    assert by_label["ระดับบริการแชต %"] == (50.0, 100.0, 0.0, 50.0)  # the late LINE reply
    assert by_label[thai.field("csat_avg", "th")] == (4.0, None, None, 4.0)
    deck = Presentation(io.BytesIO(slides.report(data)))
    chat = [s for s in deck.slides if thai.word("chat", "th") in slide_texts(s)]
    assert len(chat) == 1 and "ระดับบริการแชต %" in slide_texts(chat[0])
