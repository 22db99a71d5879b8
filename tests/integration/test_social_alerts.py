"""A keyword's volume spike goes through the alert service: on screen and by e-mail (a
real SMTP server on 127.0.0.1), once, with the link to its mentions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.alerts.mailer import Mailer
from callcenter.alerts.service import AlertService
from callcenter.db import transaction
from callcenter.social import ingest
from callcenter.social.connectors import Found
from callcenter.social.spikes import Limits, SpikeCheck, hour_counts
from tests.helpers import free_port
from tests.integration.social_support import add_keyword, sessions, social_settings

pytestmark = pytest.mark.integration
__all__ = ["sessions", "social_settings"]  # fixtures used by name
Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)  # the alert service's clock: fixed
RECIPIENT = "social-desk@alerts.test"


class Board:
    """The wallboard's side of the alert service: keeps what it is told to show."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def snapshot(self) -> dict[str, Any]:
        return {}

    def set_alerts(self, items: list[dict[str, Any]]) -> None:
        self.items = items


class Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def posts(prefix: str, text: str, count: int, at: datetime) -> list[Found]:
    return [
        Found(
            channel="x",
            external_id=f"{prefix}-{at:%m%d}-{n}",
            text=text,
            url=f"https://x.com/a/status/{n}",
            published_at=at + timedelta(minutes=n % 50),
            author="@a",
            author_id="a",
        )
        for n in range(count)
    ]


async def test_a_keyword_spike_is_shown_and_mailed_once_with_its_mentions_link(
    sessions: Sessions, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    hotline = await add_keyword(sessions, "1212")
    mule = await add_keyword(sessions, "บัญชีม้า")
    seen: list[Found] = []
    hour = NOW - timedelta(minutes=55)
    for back in range(1, 8):  # the same hour of the last week: a little 1212, much บัญชีม้า
        day = hour - timedelta(days=back)
        seen += posts("h", "โทร 1212 สอบถามเรื่องซื้อของออนไลน์", 2, day)
        seen += posts("m", "ตำรวจปิดบัญชีม้าอีกหลายร้อยบัญชี", 8, day)
    seen += posts("h", "โดนหลอกอีกแล้ว แจ้ง 1212 กันเยอะมาก", 14, hour)  # 7 x the usual
    seen += posts("m", "ตำรวจปิดบัญชีม้าอีกหลายร้อยบัญชี", 14, hour)  # under 3 x the usual 8
    seen += posts("old", "แจ้ง 1212", 20, hour - timedelta(hours=3))  # another hour: not counted
    async with transaction(sessions) as session:
        await ingest.store(session=session, found=seen, source_id=None, now=NOW)
        counts = {c.keyword_id: c for c in await hour_counts(session=session, end=NOW, days=7)}
    assert (counts[hotline].now, list(counts[hotline].before)) == (14, [2] * 7)
    assert (counts[mule].now, list(counts[mule].before)) == (14, [8] * 7)

    board = Board()
    mailer = Mailer(host="127.0.0.1", port=port, sender="alerts@test", recipients=[RECIPIENT])
    check = SpikeCheck(sessions, Limits(factor=3.0, min_count=10), days=7)
    service = AlertService(wallboard=board, rules=[], mailer=mailer, clock=NOW.timestamp,
                           extra=[check])  # fmt: skip
    firing = await service.evaluate_once()
    spike = f"social_volume_spike:keyword:{hotline}"
    # 14 against 2 a day; they are complaints where the hour used to hold questions, so the
    # negative share jumped too; บัญชีม้า's 14 against 8 a day is no spike
    assert {i.alert.id for i in firing} == {spike, f"social_negative_jump:keyword:{hotline}"}
    [item] = [i for i in board.items if i["id"] == spike]
    assert "1212" in item["text_th"] and "14" in item["text_th"]
    assert item["field"].startswith(f"/api/v1/social/mentions?keyword_id={hotline}&")

    await service.evaluate_once()  # still firing: no second mail
    assert len(sink.messages) == 2
    [mail] = [m for m in sink.messages if "social_volume_spike" in m["Subject"]]
    assert mail["To"] == RECIPIENT
    body = mail.get_body(("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "ปริมาณการกล่าวถึงพุ่งสูง" in text and "Social mentions spike" in text
    assert f"/api/v1/social/mentions?keyword_id={hotline}&" in text


async def test_a_watched_keyword_an_influencer_and_a_negative_jump_each_raise_an_alert(
    sessions: Sessions,
) -> None:
    watched_id = await add_keyword(sessions, "ดีอี", watch=True)
    hotline = await add_keyword(sessions, "1212")
    hour = NOW - timedelta(minutes=50)
    seen: list[Found] = []
    for back in range(1, 8):  # usually: a calm 1212, 10 an hour, 1 negative
        day = hour - timedelta(days=back)
        seen += posts("calm", "ขอบคุณ 1212 ที่ช่วยเหลือครับ", 9, day)
        seen += posts("sad", "โทร 1212 ไม่ติดเลย แย่มาก", 1, day)
    seen += posts("calm", "ขอบคุณ 1212 ที่ช่วยเหลือครับ", 4, hour)  # now: 4 calm, 8 angry
    seen += posts("sad", "โทร 1212 ไม่ติดเลย แย่มาก", 8, hour)
    seen += posts("de", "กระทรวงดีอีเตือนภัยแอปปลอม", 1, hour)
    star = Found(channel="x", external_id="star-1", text="ฝากแชร์ เบอร์ 1212 รับแจ้งเรื่องโกงออนไลน์",
                 url="https://x.com/star/status/1", published_at=hour, author="@star",
                 author_id="star", author_followers=250_000)  # fmt: skip
    async with transaction(sessions) as session:
        await ingest.store(session=session, found=[*seen, star], source_id=None, now=NOW)

    board = Board()
    service = AlertService(wallboard=board, rules=[], mailer=None, clock=NOW.timestamp,
                           extra=[SpikeCheck(sessions, Limits(), days=7)])  # fmt: skip
    firing = {i.alert.id: i.alert for i in await service.evaluate_once()}
    assert set(firing) == {
        f"social_watched_keyword:keyword:{watched_id}",
        "social_influencer:x:star",
        f"social_negative_jump:keyword:{hotline}",
    }  # 13 mentions of 1212 against 10 a day: no volume spike
    jump = firing[f"social_negative_jump:keyword:{hotline}"]
    assert round(jump.value) == 62  # 8 of 13 now, 10 % usually
    assert "@star" in firing["social_influencer:x:star"].text_th
    assert {item["id"] for item in board.items} == set(firing)
