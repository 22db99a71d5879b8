"""The bot's guided flows over LINE, end to end: the complaint intake opens a case with the
customer's answers (checked step by step), "track my complaint" answers its status, FAQ
answers come from the configuration; Thai and English."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


class Customer:
    """A LINE customer who says one thing and waits for the bot's answer."""

    def __init__(self, world: ChatWorld) -> None:
        self.world, self.user = world, new_user_id()

    async def _send(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.world.line.delivered_to(self.user))
        r = await self.world.line.send_webhook([event])
        assert r.status_code == 200, r.text
        said = event.get("message") or event.get("postback")
        await poll(
            lambda: len(self.world.line.delivered_to(self.user)) > before,
            timeout_s=10, what=f"the bot's answer to {said}",
        )  # fmt: skip
        return self.world.line.delivered_to(self.user)[-1].messages

    async def says(self, text: str) -> list[dict[str, Any]]:
        return await self._send(self.world.line.text_event(self.user, text))

    async def taps(self, data: str) -> list[dict[str, Any]]:
        return await self._send(self.world.line.postback_event(self.user, data))

    async def sends_picture(self, data: bytes = b"") -> list[dict[str, Any]]:
        message = {"id": str(secrets.randbelow(10**18)), "type": "image",
                   "contentProvider": {"type": "line"}}  # fmt: skip
        if data:  # LINE keeps the picture for the desk to fetch
            self.world.line.contents[message["id"]] = (data, "image/jpeg")
        return await self._send(self.world.line.event("message", self.user, message=message))


def _buttons(messages: list[dict[str, Any]]) -> dict[str, str]:
    items = messages[-1].get("quickReply", {}).get("items", [])
    return {i["action"]["label"]: i["action"]["data"] for i in items}


async def test_the_intake_checks_each_answer_and_opens_a_case_the_customer_can_track(
    world: ChatWorld,
) -> None:
    c = Customer(world)
    assert "ชื่อ-นามสกุล" in (await c.taps("intake"))[-1]["text"]  # the rich menu's area
    assert "เบอร์โทร" in (await c.says("สมหญิง ใจดี"))[-1]["text"]
    wrong = await c.says("12345")
    assert wrong[0]["text"] == "เบอร์โทรไม่ถูกต้อง กรุณาพิมพ์ใหม่ค่ะ"
    assert "อีเมล" in (await c.says("081-234-5678"))[-1]["text"]
    assert "เลขประจำตัวประชาชน" in (await c.taps("intake=skip"))[-1]["text"]
    lines = _buttons(await c.says("1-1014-00123-45-6"))
    assert lines["ซื้อขายออนไลน์"] == "intake=line:online-shopping"
    categories = _buttons(await c.taps(lines["ซื้อขายออนไลน์"]))
    assert "เล่าเหตุการณ์" in (await c.taps(categories["ไม่ได้รับสินค้า"]))[-1]["text"]
    await c.says("สั่งหูฟังเมื่อ 1 ธ.ค. โอนเงินแล้วร้านไม่ส่งของ")
    platforms = _buttons(await c.says("ร้านหูฟังราคาถูก"))
    assert "ลิงก์" in (await c.taps(platforms["Facebook"]))[-1]["text"]
    assert (await c.says("ไม่ใช่ลิงก์"))[0]["text"].startswith("ลิงก์ต้องขึ้นต้น")
    await c.says("https://facebook.com/cheap-headphones")
    assert "รูปหลักฐาน" in (await c.says("12,500"))[-1]["text"]
    slip, shop = b"\xff\xd8\xff\xe0slip" + bytes(64), b"\xff\xd8\xff\xe0shop" + bytes(64)
    assert (await c.sends_picture(slip))[-1]["text"] == "ได้รับรูปแล้ว 1 รูป"
    await c.sends_picture(shop)
    summary = (await c.taps("intake=done"))[-1]["text"]
    assert "สมหญิง ใจดี" in summary and "0812345678" in summary and "12500" in summary
    created = (await c.taps("intake=confirm"))[-1]["text"]
    number = created.split("เลขที่เรื่อง ")[1].split(" ")[0]

    supervisor = await world.user(Role.supervisor)
    r = await world.client.get("/api/v1/cases", params={"q": number}, headers=supervisor)
    assert r.status_code == 200, r.text
    [found] = [x for x in r.json()["items"] if x["number"] == number]
    case = (await world.client.get(f"/api/v1/cases/{found['id']}", headers=supervisor)).json()
    assert case["channel"] == "line"
    assert (case["service_line"]["code"], case["category"]["code"]) == (
        "online-shopping", "item-not-received",
    )  # fmt: skip
    assert case["caller_name"] == "สมหญิง ใจดี" and case["caller_phone"] == "0812345678"
    assert case["caller_national_id"] == "1101400123456" and case["platform"] == "Facebook"
    assert case["url"] == "https://facebook.com/cheap-headphones"
    assert float(case["amount_lost"]) == 12500 and "2 evidence picture(s)" in case["description"]
    assert case["assigned_user_id"] is None  # for the case team, not the bot's account
    files = case["attachments"]
    assert [f["content_type"] for f in files] == ["image/jpeg", "image/jpeg"]
    got = [
        (await world.client.get(f"/api/v1/cases/{found['id']}/attachments/{f['id']}",
                                headers=supervisor)).content
        for f in files
    ]  # fmt: skip
    assert sorted(got) == sorted([slip, shop])  # the pictures LINE held, kept as evidence

    await c.taps("track")
    status = (await c.says(number))[-1]["text"]
    assert status.startswith(f"เรื่อง {number}: รับเรื่องแล้ว (ปรับปรุงล่าสุด ")
    assert "/25" in status  # a Buddhist Era year in Thai
    await c.taps("track")
    assert (await c.says("1212-20000101-999999"))[-1][
        "text"
    ] == "ไม่พบเลขที่เรื่อง 1212-20000101-999999 ค่ะ"
    assert world.line.refusals == []


async def test_cancel_stops_the_intake_and_no_case_is_opened(world: ChatWorld) -> None:
    c = Customer(world)
    await c.taps("lang=en")
    assert "full name" in (await c.taps("intake"))[-1]["text"]
    await c.says("John Smith")
    assert (await c.says("cancel"))[-1]["text"] == "The complaint was cancelled."
    # back at the menu: the bot's usual answer to words it does not know
    assert "did not understand" in (await c.says("blah"))[-1]["text"]


async def test_faq_answers_from_the_menu_and_from_the_customers_words(world: ChatWorld) -> None:
    c = Customer(world)
    questions = _buttons(await c.taps("faq"))
    assert questions["เพจปลอม"] == "faq=fake-page"
    assert "OTP" in (await c.taps("faq=fake-page"))[-1]["text"]
    assert "thaipoliceonline" in (await c.says("โอนเงินไปแล้วไม่ได้ของค่ะ"))[-1]["text"]
    await c.taps("lang=en")
    assert "24 hours a day" in (await c.says("What are your opening hours?"))[-1]["text"]
