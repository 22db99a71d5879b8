"""The agent desk's work beyond one call, in a real browser at desktop and 390 px phone width.

The page signs in as agent37 (no test puts agent37 in a queue: no caller reaches it). It must
fit a phone (no sideways scrolling), show no empty pills before the first call, and let the
agent find their cases and file one that came without a call.
Screenshots: /tmp/desk-work-desktop.png, /tmp/desk-work-phone.png.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from callcenter.cases import service as case_service
from callcenter.cases.models import Case, CaseCall
from callcenter.cases.schemas import CaseCreate
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


async def seed_cases(site: Site) -> tuple[str, str, str, str]:
    """This agent's case (Thai text), one due for follow-up, and a colleague's case."""
    async with site.app.state.services.sessions() as session, session.begin():
        other = await user_service.create(
            session=session,
            user_in=UserCreate(
                username=f"work-b-{uuid.uuid4().hex[:6]}", password=PASSWORD, role=Role.agent,
                agent_id=None,
            ),
        )  # fmt: skip
        tag = uuid.uuid4().hex[:6]
        mine = await case_service.create(
            session=session, user=site.agent,
            case_in=CaseCreate(
                service_line="online-shopping", caller_phone="0812345678",
                description=f"สั่งของออนไลน์แล้วไม่ได้รับสินค้า {tag}",
            ),
        )  # fmt: skip
        due = await case_service.create(
            session=session, user=site.agent,
            case_in=CaseCreate(
                service_line="online-shopping", description=f"โทรกลับแจ้งผล {tag}",
                follow_up_at=datetime.now(UTC) - timedelta(hours=1),
            ),
        )  # fmt: skip
        theirs = await case_service.create(
            session=session, user=other,
            case_in=CaseCreate(
                service_line="online-shopping",
                description=f"สั่งของออนไลน์แล้วไม่ได้รับสินค้า {tag}",
            ),
        )  # fmt: skip
        assert mine.number and due.number and theirs.number
        return mine.number, due.number, theirs.number, tag


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_agent_finds_own_cases_and_files_one_without_a_call(
    site: Site, chromium: Browser, size: str
) -> None:
    mine, due, theirs, tag = await seed_cases(site)
    page = await open_desk(chromium, site, size)
    try:
        # The follow-up that is due is listed without asking.
        await expect(page.locator("#due-list")).to_contain_text(due, timeout=10_000)
        await expect(page.locator("#due-list")).not_to_contain_text(mine)

        # Free text in Thai finds the agent's own case, never a colleague's.
        await page.locator("#case-q").fill(f"ไม่ได้รับสินค้า {tag}")
        await page.locator("#case-search button").click()
        await expect(page.locator("#case-count")).to_contain_text("1 found")
        await expect(page.locator("#case-list li")).to_have_count(1)
        await expect(page.locator("#case-list")).to_contain_text(mine)
        await expect(page.locator("#case-list")).not_to_contain_text(theirs)
        # A case number finds that case.
        await page.locator("#case-q").fill(due)
        await page.locator("#case-search button").click()
        await expect(page.locator("#case-list li")).to_have_count(1)
        await expect(page.locator("#case-list")).to_contain_text(due)
        # No call yet: nothing to link.
        await expect(page.locator("#case-list button.link-call")).to_be_disabled()
        await expect(page.locator("#case-link-call")).to_be_disabled()

        # A walk-in complaint, with no call at all.
        await page.locator("#case-channel").select_option("walk_in")
        await page.locator("#case-line").select_option("online-shopping")
        await page.locator("#case-name").fill("สมหญิง ใจดี")
        await page.locator("#case-description").fill(f"มาร้องเรียนด้วยตนเอง {tag}")
        await page.locator("#case-follow-up").fill("2030-01-15T09:30")
        await page.locator("#case-create").click()
        result = page.locator("#case-result")
        await expect(result).to_have_attribute("data-case-id", re.compile(r"\d+"), timeout=10_000)
        case_id = int(await result.get_attribute("data-case-id") or 0)
        await expect(page.locator("#case-list")).to_contain_text("สมหญิง ใจดี")
        await fits(page, SIZES[size]["width"])
        await page.screenshot(path=f"/tmp/desk-cases-{size}.png", full_page=True)
    finally:
        await page.context.close()
    async with site.app.state.services.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        assert (case.channel, case.created_by_user_id, case.caller_name) == (
            "walk_in", site.agent.id, "สมหญิง ใจดี",
        )  # fmt: skip
        assert case.follow_up_at == datetime(2030, 1, 15, 2, 30, tzinfo=UTC)  # 09:30 Bangkok
        links = await session.scalars(select(CaseCall).where(CaseCall.case_id == case_id))
        assert links.all() == []
