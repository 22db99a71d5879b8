"""An admin answers a LINE customer in a real browser (Playwright, Debian's Chromium)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration import browser as web
from tests.integration.chat_support import PASSWORD, ChatWorld, chat_world

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def sign_in(page: Page, url: str, username: str) -> None:
    await page.goto(f"{url}/chat")
    await expect(page).to_have_url(f"{url}/login?next=/chat")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await page.wait_for_url(f"{url}/chat")


async def test_an_admin_takes_a_line_conversation_answers_opens_its_case_and_closes_it(
    world: ChatWorld,
) -> None:
    customer = new_user_id()
    # the customer taps "online shopping" in the bot's menu: the bot hands off with that line
    await world.line.send_webhook([world.line.postback_event(customer, "line=online-shopping")])
    await poll(lambda: world.line.delivered_to(customer), timeout_s=10, what="hand-off")
    agent, _ = await world.account(Role.agent)
    url = str(world.client.base_url).rstrip("/")
    async with web.chromium() as browser:
        context = await browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok")
        page = await context.new_page()
        await sign_in(page, url, agent)
        await expect(page.locator("h1")).to_contain_text("กล่องแชต")
        waiting = page.locator("#conversations li", has_text=customer[-4:])
        await expect(waiting).to_contain_text("เหลือ · left 30:00")  # the clock stands still
        await expect(waiting).not_to_contain_text(customer)  # not theirs yet: masked
        await expect(waiting).to_contain_text("ส่งเรื่องให้เจ้าหน้าที่แล้ว")  # the bot's last word

        await waiting.click()
        await page.locator("#take").click()
        await expect(page.locator("#detail-title")).to_contain_text(customer)
        await expect(page.locator("#messages")).to_contain_text("ซื้อขายออนไลน์")
        await expect(page.locator("#messages")).to_contain_text("30 นาที")  # the bot's promise

        await page.locator("#reply textarea").fill("สวัสดีค่ะ เจ้าหน้าที่ 1212 รับเรื่องแล้วค่ะ")
        await page.locator("#send").click()
        await poll(
            lambda: [
                m for d in world.line.delivered_to(customer) for m in d.messages
                if m.get("text") == "สวัสดีค่ะ เจ้าหน้าที่ 1212 รับเรื่องแล้วค่ะ"
            ],
            timeout_s=10, what="the admin's reply at LINE",
        )  # fmt: skip
        await expect(page.locator("#messages li.outbound").last).to_contain_text(
            "ส่งแล้ว · sent (push)"
        )
        await expect(page.locator("#link")).to_contain_text("live")
        world.clock.advance(90)  # the customer answers later; the page learns it over /ws/chat
        await world.line.send_webhook([world.line.text_event(customer, "ร้านชื่อ ถูกดี ค่ะ")])
        await expect(page.locator("#messages")).to_contain_text("ร้านชื่อ ถูกดี ค่ะ")  # < 15 s poll
        await page.locator("#open-case").click()  # pre-filled from the conversation
        await expect(page.locator("#case")).to_contain_text("Case 1212-")
        await expect(page.locator("#open-case")).to_be_disabled()
        await page.locator("#close").click()
        await expect(page.locator("#detail-title")).to_contain_text("ปิดแล้ว")
        await expect(page.locator("#send")).to_be_disabled()
        await context.close()


async def test_qa_gets_the_forbidden_page(world: ChatWorld) -> None:
    qa, _ = await world.account(Role.qa)
    url = str(world.client.base_url).rstrip("/")
    async with web.chromium() as browser:
        page = await browser.new_page()
        await sign_in_expecting_403(page, url, qa)
        await expect(page.locator("#forbidden")).to_contain_text("chat inbox")


async def sign_in_expecting_403(page: Page, url: str, username: str) -> None:
    await page.goto(f"{url}/login?next=/chat")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await page.wait_for_url(f"{url}/chat")


async def test_a_supervisor_sees_each_admins_load_and_breaches_and_sends_a_canned_answer(
    world: ChatWorld,
) -> None:
    agent_name, agent_id = await world.account(Role.agent)
    boss_name, _ = await world.account(Role.supervisor)
    boss = await world.user(Role.supervisor)
    _, held = await world.handed_off()
    r = await world.client.post(
        f"/api/v1/chat/conversations/{held}/assign", json={"user_id": agent_id}, headers=boss
    )
    assert r.status_code == 200, r.text
    customer, mine = await world.handed_off()
    world.clock.advance(31 * 60)  # both past LINE's 30 minutes
    url = str(world.client.base_url).rstrip("/")
    async with web.chromium() as browser:
        context = await browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok")
        page = await context.new_page()
        await sign_in(page, url, boss_name)
        row = page.locator(f"#admins li[data-user='{agent_id}']")
        await expect(row).to_contain_text(agent_name)
        await expect(row).to_contain_text("breached 1")
        await expect(row).to_have_class("late")
        await expect(page.locator("#quota")).to_contain_text("messages this month")

        await page.locator("#conversations li", has_text=customer[-4:]).click()
        await page.locator("#canned").select_option("evidence")
        await page.locator("#send-canned").click()
        await poll(
            lambda: [m for d in world.line.delivered_to(customer) for m in d.messages
                     if "สลิปการโอนเงิน" in m.get("text", "")],
            timeout_s=10, what="the canned answer at LINE",
        )  # fmt: skip
        await expect(page.locator("#messages li.outbound").last).to_contain_text("สลิปการโอนเงิน")

        await page.locator("#broadcasting summary").click()
        await page.locator("#broadcast textarea").fill("เตือนภัย: ระวังเพจปลอมขายบัตรคอนเสิร์ต")
        await page.locator("#broadcast-send").click()
        sent = page.locator("#broadcasts li", has_text="ระวังเพจปลอมขายบัตรคอนเสิร์ต")
        await expect(sent).to_contain_text("ส่งแล้ว · sent")  # live, over /ws/chat
        await expect(sent).to_contain_text("ผู้ติดตามทั้งหมด · all friends")
        assert [
            b
            for p, b in world.line.calls
            if p == "broadcast" and b["messages"][0]["text"] == "เตือนภัย: ระวังเพจปลอมขายบัตรคอนเสิร์ต"
        ]

        # a new conversation goes past its due time while the page is open: warned live
        await expect(page.locator("#link")).to_contain_text("live")
        _, late = await world.handed_off()
        world.clock.advance(31 * 60)
        alert = page.locator("#sla-alert")
        await expect(alert).to_contain_text(f"#{late} เกินเวลาตอบ")
        await expect(alert).to_contain_text(f"conversation #{late} is past its reply time")
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone
        await expect(alert).to_be_visible()
        await page.screenshot(path="/tmp/chat-sla-alert-phone.png", full_page=False)
        await context.close()
    assert mine
