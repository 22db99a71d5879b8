"""The social listening page on a phone-sized Chromium (390 x 844): filters, the volume
chart, ranked mentions linking to their source, relabelling, a case in one click."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import expect
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_ui import pages
from callcenter import services
from callcenter.cases.router import router as cases_router
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.errors import install_handlers
from callcenter.social import ingest
from callcenter.social.connectors import Found
from callcenter.social.models import Mention
from callcenter.social.router import router as social_router
from callcenter.users.models import Role
from tests.integration import browser as web
from tests.integration.social_support import (
    PHONE,
    add_keyword,
    sessions,
    signed_in,
    social_settings,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]
__all__ = ["sessions", "social_settings"]  # fixtures used by name
Sessions = async_sessionmaker[AsyncSession]

# (hours ago, author, text, likes, shares); recorded relative to now so the page's
# "last 7 days" holds them whatever today is.
POSTS = [
    (2, "@nid", "โดนแก๊งคอลเซ็นเตอร์หลอกโอนเงิน แจ้ง 1212 แล้ว เจ็บใจมาก", 40, 12),
    (5, "@somchai_news", "ขอบคุณสายด่วน 1212 มากครับ ได้เงินคืนแล้ว", 310, 25),
    (30, "@police_th", "ตำรวจเตือนระวัง SMS ปลอม แจ้ง 1212 ได้ตลอด 24 ชั่วโมง", 90, 160),
    (50, "@krit", "โทร 1212 ไม่ติดเลย รอนานมาก แย่ที่สุด", 3, 0),
]


@pytest.fixture
async def site(social_settings: Settings, sessions: Sessions) -> AsyncIterator[tuple[str, Any]]:
    settings = social_settings.model_copy(update={"jwt_secret": SecretStr(secrets.token_hex(16))})
    app = FastAPI()
    app.state.settings = settings
    install_handlers(app)
    for router in (pages.router, social_router, cases_router):
        app.include_router(router)
    app.mount("/static", pages.static_files(), name="static")
    app.dependency_overrides[services.sessions] = lambda: sessions
    await add_keyword(sessions, "1212")
    now = datetime.now(UTC)
    found = [
        Found(
            province="Chiang Mai" if author == "@nid" else None,
            channel="x",
            external_id=f"b{n}",
            text=body,
            author=author,
            author_id=f"id{author}",
            author_followers=1000 * (n + 1),
            likes=likes,
            shares=shares,
            url=f"https://x.com/{author[1:]}/status/{n}",
            published_at=now - timedelta(hours=hours),
        )
        for n, (hours, author, body, likes, shares) in enumerate(POSTS)
    ]
    async with transaction(sessions) as session:
        await ingest.store(session=session, found=found, source_id=None, now=now)
    async with web.serve(app) as url:
        yield url, settings


async def test_the_desk_works_on_a_phone(site: tuple[str, Any], sessions: Sessions) -> None:
    url = site[0]
    async with web.chromium() as browser:
        page = await signed_in(site, sessions, browser, Role.supervisor)
        await page.goto(f"{url}/social")
        await expect(page.locator("h1")).to_contain_text("ติดตามโซเชียล")
        cards = page.locator("#mentions li.mention")
        await expect(cards).to_have_count(4)
        # nothing wider than the phone
        width = await page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], width

        await expect(page.locator("#provinces li")).to_have_count(1)
        await expect(page.locator("#provinces li")).to_contain_text("เชียงใหม่ · Chiang Mai 1")
        # ranked by likes; every card links back to its post
        await expect(cards.first).to_contain_text("@somchai_news")
        href = await cards.first.locator("a.source").get_attribute("href")
        assert href == "https://x.com/somchai_news/status/1"

        # the chart draws one bar piece per day and sentiment with mentions
        bars = page.locator("#chart rect")
        counts = await bars.evaluate_all("rs => rs.map(r => Number(r.dataset.count))")
        assert sum(counts) == 4 and len(counts) >= 2

        await page.select_option('select[name="sort"]', "shares")
        await expect(cards.first).to_contain_text("@police_th")
        await page.select_option('select[name="sentiment"]', "negative")
        await expect(cards).to_have_count(2)
        await expect(page.locator("#mentions .badge.negative")).to_have_count(2)
        await page.select_option('select[name="sentiment"]', "")
        await expect(cards).to_have_count(4)

        # click-through: a bar narrows the mentions to its day
        # (one piece per sentiment: the day's mentions are all its pieces, whichever hour
        # of the Bangkok day the test runs at)
        oldest = bars.first
        start = await oldest.get_attribute("data-start")
        day_count = sum(
            await page.locator(f'#chart rect[data-start="{start}"]').evaluate_all(
                "rs => rs.map(r => Number(r.dataset.count))"
            )
        )
        await oldest.dispatch_event("click")
        await expect(page.locator("#picked")).to_be_visible()
        await expect(cards).to_have_count(day_count)
        await page.locator("#picked button").click()
        await expect(cards).to_have_count(4)

        police = cards.filter(has_text="@police_th")
        await police.locator('select[aria-label="relabel"]').select_option("negative")
        await expect(police.locator(".badge")).to_contain_text("✎")
        await police.locator("button.open-case").click()
        await expect(police.locator(".case")).to_contain_text("1212-")

    async with sessions() as session:
        row = (await session.scalars(select(Mention).where(Mention.external_id == "b2"))).one()
    assert (row.sentiment, row.sentiment_by) == ("negative", "staff") and row.case_id is not None


async def test_agents_get_a_forbidden_page(site: tuple[str, Any], sessions: Sessions) -> None:
    async with web.chromium() as browser:
        page = await signed_in(site, sessions, browser, Role.agent)
        response = await page.goto(f"{site[0]}/social")
        assert response is not None and response.status == 403
        await expect(page.locator("h1")).to_contain_text("ไม่มีสิทธิ์")


async def test_the_province_map_draws_thailand_offline_and_narrows_to_a_province(
    site: tuple[str, Any], sessions: Sessions
) -> None:
    url = site[0]
    async with web.chromium() as browser:
        page = await signed_in(site, sessions, browser, Role.supervisor)
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)
        await page.goto(f"{url}/social")
        shapes = page.locator("#map svg path")
        await expect(shapes).to_have_count(77)  # every province, from the shipped outlines
        chiang_mai = page.locator('#map path[data-province="Chiang Mai"]')
        await expect(chiang_mai).to_have_attribute("data-count", "1")
        await expect(chiang_mai).to_have_class("located")
        await expect(page.locator("#map path.located")).to_have_count(1)
        box = await page.locator("#map svg").bounding_box()
        assert box is not None and 200 < box["width"] <= PHONE["width"]
        assert box["height"] > box["width"]  # Thailand is tall: the outline is drawn true
        width = await page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], width

        await chiang_mai.dispatch_event("click")
        await expect(page.locator("#picked")).to_contain_text("เชียงใหม่ · Chiang Mai")
        cards = page.locator("#mentions li.mention")
        await expect(cards).to_have_count(1)
        await expect(cards.first).to_contain_text("@nid")
        await page.locator("#picked button").click()
        await expect(cards).to_have_count(4)
    assert outside == []  # no tiles, nothing fetched from elsewhere
