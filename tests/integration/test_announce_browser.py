"""The emergency announcement from the wallboard in a real browser: a supervisor picks the
scam-wave announcement, gives a reason and switches it on; the board says what callers hear
and lists the switch with who made it; then off. Desktop and 390 px phone.

Screenshots: /tmp/ivr-announce-desktop.png, /tmp/ivr-announce-phone.png.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from callcenter.config import Settings
from tests.integration import browser as web
from tests.integration.wallboard_support import (
    DESKTOP,
    PHONE,
    Site,
    board_site,
    new_context,
    sign_in,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]


@pytest.fixture(scope="module")
async def site(settings: Settings) -> AsyncIterator[Site]:
    async with board_site(settings, "callcenter_announce") as own:
        yield own


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with web.chromium() as browser:
        yield browser


async def board(chromium: Browser, site: Site, *, phone: bool) -> Page:
    context = await new_context(chromium, PHONE if phone else DESKTOP, phone=phone)
    page = await context.new_page()
    await page.goto(f"{site.url}/login?next=/wallboard")
    await sign_in(page, site.supervisor)
    await page.wait_for_url(f"{site.url}/wallboard")
    return page


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
async def test_supervisor_switches_the_announcement_on_and_off(
    site: Site, chromium: Browser, phone: bool
) -> None:
    page = await board(chromium, site, phone=phone)
    try:
        box = page.locator("#announce")
        await expect(box).to_have_attribute("data-on", "no", timeout=15_000)
        await expect(page.locator("#announce-now")).to_have_text("ไม่มี · none")
        await page.locator("#announce-prompt").select_option("announce-scam-wave")
        reason = f"scam wave {uuid.uuid4().hex[:4]}"
        await page.locator("#announce-reason").fill(reason)
        await page.locator("#announce-on").click()
        await expect(box).to_have_attribute("data-on", "yes")
        await expect(page.locator("#announce-now")).to_contain_text("Urgent notice")
        first = page.locator("#announce-history li").first
        await expect(first).to_contain_text(site.supervisor)
        await expect(first).to_contain_text(re.compile(rf"เปิด · on announce-scam-wave — {reason}"))
        assert site.app.state.services.announcement.current == "announce-scam-wave"
        await box.scroll_into_view_if_needed()
        name = "phone" if phone else "desktop"
        await page.screenshot(path=f"/tmp/ivr-announce-{name}.png", full_page=False)
        await page.locator("#announce-off").click()
        await expect(box).to_have_attribute("data-on", "no")
        await expect(page.locator("#announce-history li").first).to_contain_text("ปิด · off")
        assert site.app.state.services.announcement.current is None
    finally:
        await page.context.close()
