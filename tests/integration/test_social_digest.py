"""The weekly news digest against its own database, a real SMTP server and the LINE stand-in:
built from the week's news and most engaging posts (Thai dates in the Buddhist Era), edited,
sent by e-mail and LINE (news only), a LINE failure retried without a second e-mail, and the
Monday job's draft."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from callcenter.db import transaction
from callcenter.social import digest, ingest
from callcenter.social.connectors import Found
from callcenter.users.models import Role
from tests.integration.smtp_support import Sink, text
from tests.integration.social_support import (
    Desk,
    add_keyword,
    desk,
    headers,
    platforms,
    sessions,
    sink,
    social_settings,
)

pytestmark = pytest.mark.integration
__all__ = ["desk", "platforms", "sessions", "sink", "social_settings"]  # fixtures used by name
WEEK = date(2026, 11, 30)  # a Monday
DIGESTS = "/api/v1/social/digests"


def found(n: int, channel: str, body: str, day: int, **fields: object) -> Found:
    return Found(
        channel=channel, external_id=f"d{n}", text=body,
        url=f"https://{channel}.example/{n}", author=str(fields.pop("author", f"@u{n}")),
        published_at=datetime(2026, 11, 30, 3, tzinfo=UTC) + timedelta(days=day),
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


SEED = [
    found(
        1, "news", "ตำรวจไซเบอร์ทลายแก๊งมิจฉาชีพคอลเซ็นเตอร์ แจ้ง 1212\nรายละเอียด", 1, author="Thai News"
    ),
    found(2, "news", "ธนาคารเตือนภัยมิจฉาชีพ SMS ปลอม", 3, author="Bank Daily"),
    found(3, "news", "ราคาทองวันนี้ปรับขึ้น", 2, author="Gold"),  # no keyword
    found(4, "x", "โดนมิจฉาชีพหลอกโอนเงิน แจ้ง 1212 แล้ว", 2, author="@nid", likes=40, shares=12),
    found(5, "facebook", "ขอบคุณ 1212 ช่วยอายัดบัญชีทัน", 4, author="สมชาย", likes=310, shares=25),
    found(6, "youtube", "คลิปนี้ดีมาก เตือนเรื่องมิจฉาชีพ", 5, author="@viewer", likes=5),
    found(7, "x", "แก๊ง 1212 ปลอม สัปดาห์ก่อน", -2, likes=999),  # the week before
]


async def seeded(desk: Desk, sink: Sink) -> None:
    await add_keyword(desk.sessions, "1212")
    await add_keyword(desk.sessions, "มิจฉาชีพ")
    async with transaction(desk.sessions) as session:
        await ingest.store(session=session, found=SEED, source_id=None,
                           now=datetime(2026, 12, 7, tzinfo=UTC))  # fmt: skip
    desk.configure(smtp_port=sink.port,
                   social_digest_recipients="pr@1212.example, boss@1212.example")  # fmt: skip


async def test_a_digest_is_built_edited_and_sent_by_email_and_line(desk: Desk, sink: Sink) -> None:
    await seeded(desk, sink)
    who = await headers(desk.api, Role.supervisor)
    r = await desk.client.post(DIGESTS, params={"week": WEEK.isoformat()}, headers=who)
    assert r.status_code == 201, r.text
    built = r.json()
    body = built["body"]
    assert body.startswith("สรุปข่าวประจำสัปดาห์ 30 พฤศจิกายน 2569 – 6 ธันวาคม 2569\n")
    assert "Weekly digest 30 November 2026 – 6 December 2026" in body
    # news that matched a keyword only, and the week's posts by engagement
    assert [n["url"] for n in built["news"]] == ["https://news.example/1", "https://news.example/2"]
    assert "ราคาทอง" not in body and "สัปดาห์ก่อน" not in body
    assert body.index("สมชาย") < body.index("@nid") < body.index("@viewer")
    assert "ถูกใจ · likes 310" in body
    assert "news.example/1" in built["line_text"] and "@nid" not in built["line_text"]

    r = await desk.client.post(DIGESTS, params={"week": "2026-12-01"}, headers=who)
    assert r.status_code == 422  # not a Monday
    r = await desk.client.patch(f"{DIGESTS}/{built['id']}", headers=who, json={
        "subject": "สรุปภัยออนไลน์สัปดาห์นี้ · This week in online fraud",
        "body": body.replace("ข่าวเด่น · Top news", "ข่าวเด่น (คัดแล้ว) · Top news (picked)"),
    })  # fmt: skip
    assert r.status_code == 200

    desk.platforms.line.fail_next = 1  # LINE fails the first time
    r = await desk.client.post(f"{DIGESTS}/{built['id']}/send", headers=who)
    assert r.status_code == 200 and r.json()["status"] == "draft" and "500" in r.json()["error"]
    assert len(sink.messages) == 1
    r = await desk.client.post(f"{DIGESTS}/{built['id']}/send", headers=who)
    sent = r.json()
    assert sent["status"] == "sent" and sent["error"] == "" and sent["line_request_id"]
    assert len(sink.messages) == 1  # the e-mail went once
    to, mail = sink.messages[0]
    assert sorted(to) == ["boss@1212.example", "pr@1212.example"]
    assert mail["Subject"] == "สรุปภัยออนไลน์สัปดาห์นี้ · This week in online fraud"
    assert "ข่าวเด่น (คัดแล้ว)" in text(mail) and "https://facebook.example/5" in text(mail)
    [broadcast] = desk.platforms.line.broadcasts
    assert broadcast["messages"] == [{"type": "text", "text": built["line_text"]}]

    r = await desk.client.post(f"{DIGESTS}/{built['id']}/send", headers=who)
    assert r.status_code == 409 and r.json()["error_id"] == "social_digest_sent"
    r = await desk.client.patch(f"{DIGESTS}/{built['id']}", headers=who, json={"subject": "x"})
    assert r.status_code == 409
    trail = (await desk.client.get("/api/v1/social/audit", headers=who)).json()
    actions = [e["action"] for e in trail if e["target"] == f"digest:{built['id']}"]
    assert actions == ["digest_sent", "digest_send_failed", "digest_edited", "digest_built"]


async def test_the_monday_job_drafts_last_weeks_digest_once(desk: Desk, sink: Sink) -> None:
    await seeded(desk, sink)
    monday = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 in Bangkok
    made = await digest.ensure_draft(desk.sessions, desk.settings, monday)
    assert made is not None and made.week_start == WEEK and made.status == "draft"
    assert await digest.ensure_draft(desk.sessions, desk.settings, monday) is None
    who = await headers(desk.api, Role.admin)
    listed = (await desk.client.get(DIGESTS, headers=who)).json()
    assert [d["week_start"] for d in listed] == ["2026-11-30"] and sink.messages == []
