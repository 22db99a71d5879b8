"""The monthly publishing report against its own database, the real S3 and a real SMTP server:
built on the 10th at 10:00 (Bangkok) for the month before, once, e-mailed with its
PowerPoint and Excel files; Thai with Buddhist Era dates, English on request."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from pptx import Presentation

from callcenter.db import transaction
from callcenter.social.models import Content
from callcenter.users.models import Role
from tests.integration.smtp_support import Sink
from tests.integration.social_support import (
    Desk,
    desk,
    headers,
    platforms,
    sessions,
    sink,
    social_settings,
)

pytestmark = pytest.mark.integration
__all__ = ["desk", "platforms", "sessions", "sink", "social_settings"]  # fixtures used by name
NOV = datetime(2026, 11, 3, 3, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 10 December, 10:00 in Bangkok
# (day offset, kind, title, status, reach, reactions, shares)
ITEMS = [
    (0, "post", "ระวัง SMS ปลอมแจ้งพัสดุ", "published", 5400, 230, 41),
    (4, "post", "บัญชีม้าผิดกฎหมาย", "published", 12800, 640, 310),
    (9, "post", "แอปกู้เงินเถื่อน", "published", 2100, 55, 9),
    (14, "post", "หลอกลงทุนคริปโต", "published", 7300, 180, 66),
    (18, "video", "5 สัญญาณมิจฉาชีพ", "published", 22000, 900, 420),
    (22, "post", "ภัยโรแมนซ์สแกม", "failed", None, None, None),
    (33, "post", "ธันวาคม: ของขวัญปลอม", "approved", None, None, None),  # next month
]


async def seed(desk: Desk) -> None:
    async with transaction(desk.sessions) as session:
        for n, (day, kind, title, status, reach, reactions, shares) in enumerate(ITEMS):
            at = NOV + timedelta(days=day)
            out = status == "published"
            session.add(Content(
                kind=kind, title=title, body=f"{title} แจ้ง 1212", channels=["facebook", "line"],
                planned_at=at, status=status, error="", created_at=at, updated_at=at,
                published_at=at if out else None, facebook_post_id=f"104857600000001_9{n}",
                reach=reach, reactions=reactions, shares=shares,
            ))  # fmt: skip


def deck_text(data: bytes) -> list[str]:
    """Every slide's text (text boxes and table cells), one string a slide."""
    slides = []
    for slide in Presentation(io.BytesIO(data)).slides:
        parts: list[str] = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
        slides.append("\n".join(parts))
    return slides


def charts(data: bytes) -> int:
    return sum(s.has_chart for slide in Presentation(io.BytesIO(data)).slides
               for s in slide.shapes)  # fmt: skip


async def test_the_report_is_built_on_the_tenth_once_and_emailed(desk: Desk, sink: Sink) -> None:
    await seed(desk)
    desk.configure(smtp_port=sink.port, social_report_recipients="director@1212.example")
    assert await desk.publishing.reports_due(DUE - timedelta(minutes=1)) == []
    [row] = await desk.publishing.reports_due(DUE)
    assert (row.month, row.lang, row.revision, row.trigger) == ("2026-11", "th", 1, "schedule")
    assert await desk.publishing.reports_due(DUE + timedelta(hours=5)) == []  # once

    [(to, mail)] = sink.messages
    assert to == ["director@1212.example"] and "พฤศจิกายน 2569" in mail["Subject"]
    files = {p.get_filename(): p.get_content() for p in mail.iter_attachments()}
    assert set(files) == {"publishing-2026-11-th.pptx", "publishing-2026-11-th.xlsx"}

    slides = deck_text(files["publishing-2026-11-th.pptx"])
    assert slides[0].strip().startswith("รายงานการเผยแพร่ประจำเดือน — พฤศจิกายน 2569")
    cover = slides[0]
    assert "โพสต์ให้ความรู้\n4\n4\n≥ 6\nไม่ครบตามเป้า" in cover  # 4 of 6 (a failed one)
    assert "วิดีโอ\n1\n1\n1–2\nครบตามเป้า" in cover
    assert charts(files["publishing-2026-11-th.pptx"]) == 2
    items = next(s for s in slides if s.strip().startswith("รายการเผยแพร่"))
    assert "3 พ.ย. 69" in items and "12,800" in items and "ธันวาคม" not in items
    top = slides[-1]
    assert top.index("5 สัญญาณมิจฉาชีพ") < top.index("บัญชีม้าผิดกฎหมาย") < top.index(
        "หลอกลงทุนคริปโต")  # fmt: skip
    assert "แอปกู้เงินเถื่อน" not in top

    book = load_workbook(io.BytesIO(files["publishing-2026-11-th.xlsx"]))
    sheet = book["รายการเผยแพร่"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(i for i, r in enumerate(values) if r[0] == "วันที่")
    reach = [r[5] for r in values[header + 1 :] if r[0] is not None]
    assert reach == [5400, 12800, 2100, 7300, 22000, None]  # numbers, not text
    assert len(sheet._charts) == 1


async def test_english_on_request_and_downloads(desk: Desk) -> None:
    await seed(desk)
    who: dict[str, Any] = await headers(desk.api, Role.supervisor)
    path = "/api/v1/social/reports"
    r = await desk.client.post(path, params={"month": "2026-11", "lang": "en"}, headers=who)
    assert r.status_code == 201, r.text
    built = r.json()
    assert built["trigger"] == "request" and built["revision"] == 1
    r = await desk.client.get(f"{path}/{built['id']}/files/publishing-2026-11-en.pptx",
                              headers=who)  # fmt: skip
    assert r.status_code == 200
    slides = deck_text(r.content)
    assert slides[0].strip().startswith("Monthly publishing report — November 2026")
    assert "Educational posts\n4\n4\n≥ 6\nNot met" in slides[0]
    again = await desk.client.post(path, params={"month": "2026-11", "lang": "en"}, headers=who)
    assert again.json()["revision"] == 2
    r = await desk.client.post(path, params={"month": "2026-11", "lang": "de"}, headers=who)
    assert r.status_code == 422
    r = await desk.client.get(f"{path}/{built['id']}/files/other.pptx", headers=who)
    assert r.status_code == 404
    agent = await headers(desk.api, Role.agent)
    assert (await desk.client.get(path, headers=agent)).status_code == 403
