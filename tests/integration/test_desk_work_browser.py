"""The agent desk's work beyond one call, in a real browser at desktop and 390 px phone width.

The page signs in as agent37 (no test puts agent37 in a queue: no caller reaches it). It must
fit a phone (no sideways scrolling), show no empty pills before the first call, and let the
agent find their cases and file one that came without a call.
Screenshots: /tmp/desk-work-desktop.png, /tmp/desk-work-phone.png.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from callcenter.config import Settings
from callcenter.main import create_app
from callcenter.users import service as user_service
from callcenter.users.models import Role, User
from callcenter.users.schemas import UserCreate
from tests.helpers import poll
from tests.integration import browser as web
from tests.integration.conftest import own_database

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

AGENT, PASSWORD = "agent37", "correct-horse-1"
SIZES = {"desktop": {"width": 1366, "height": 820}, "phone": {"width": 390, "height": 844}}


@dataclass
class Site:
    url: str
    app: FastAPI
    agent: User


@pytest.fixture(scope="module")
def own_db(settings: Settings) -> Iterator[Settings]:
    with own_database(settings, "callcenter_deskwork") as own:
        yield own


@pytest.fixture(scope="module")
async def site(own_db: Settings) -> AsyncIterator[Site]:
    app = create_app(own_db)
    async with app.router.lifespan_context(app):
        await poll(lambda: app.state.services.ami.connected, timeout_s=60, what="AMI")
        async with app.state.services.sessions() as session, session.begin():
            user_in = UserCreate(
                username=f"work-{uuid.uuid4().hex[:6]}", password=PASSWORD, role=Role.agent,
                agent_id=AGENT, display_name="เจ้าหน้าที่ 37",
            )  # fmt: skip
            agent = await user_service.create(session=session, user_in=user_in)
        async with web.serve(app) as url:
            yield Site(url, app, agent)


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with web.chromium(
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"
    ) as b:
        yield b


async def open_desk(chromium: Browser, site: Site, size: str) -> Page:
    context = await chromium.new_context(
        viewport=SIZES[size], locale="th-TH", timezone_id="Asia/Bangkok"
    )
    page = await context.new_page()
    await page.goto(f"{site.url}/login?next=/desk")
    await page.locator("#username").fill(site.agent.username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await page.wait_for_url(f"{site.url}/desk")
    await expect(page.locator("#agent-id")).to_have_text(AGENT, timeout=10_000)
    return page


async def fits(page: Page, width: int) -> None:
    """Nothing sticks out sideways: the document is no wider than the screen."""
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide on a {width} px screen"


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_page_fits_and_shows_no_empty_pills_before_a_call(
    site: Site, chromium: Browser, size: str
) -> None:
    page = await open_desk(chromium, site, size)
    try:
        # The transfer list is filled (queues, agents): the longest labels are on the page.
        await expect(page.locator("#transfer-target option").nth(5)).to_be_attached()
        await fits(page, SIZES[size]["width"])
        for pill in ("#pop-queue", "#pop-stage"):
            await expect(page.locator(pill)).to_be_hidden()
        await page.screenshot(path=f"/tmp/desk-work-{size}.png", full_page=True)
    finally:
        await page.context.close()
