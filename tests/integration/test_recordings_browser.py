"""A QA reviewer in a real browser (Playwright, Debian's Chromium): find, play, score a call."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Page, ViewportSize, expect

from callcenter.config import Settings
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from recordings.models import Recording
from tests.integration import browser as web
from tests.integration.recordings_support import simulator, uploaded_call

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

PASSWORD = "qa-reviewer-pass-1"


@pytest.fixture(scope="module")
async def call(app: FastAPI, settings: Settings) -> Recording:
    async with simulator(settings) as ami:
        row, _ = await uploaded_call(app, settings, ami, caller="0823456789")
    return row


@pytest.fixture(scope="module")
async def site(app: FastAPI) -> AsyncIterator[str]:
    async with web.serve(app) as url:
        yield url


async def add_user(app: FastAPI, role: Role) -> str:
    username = f"{role.value}-web-{uuid.uuid4().hex[:6]}"
    async with app.state.services.sessions() as session, session.begin():
        user_in = UserCreate(username=username, password=PASSWORD, role=role)
        await user_service.create(session=session, user_in=user_in)
    return username


async def sign_in(page: Page, url: str, username: str) -> None:
    await page.goto(f"{url}/qa")
    await expect(page).to_have_url(f"{url}/login?next=/qa")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await page.wait_for_url(f"{url}/qa")


async def test_qa_finds_plays_and_scores_a_call(
    app: FastAPI, client: httpx.AsyncClient, site: str, call: Recording
) -> None:
    qa_user = await add_user(app, Role.qa)
    async with web.chromium() as browser:
        context = await browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok")
        page = await context.new_page()
        await sign_in(page, site, qa_user)
        await expect(page.locator("h1")).to_contain_text("ตรวจคุณภาพสาย")
        await expect(page.locator("h1")).to_contain_text("Call QA")

        await page.locator('select[name="agent"]').select_option(call.agent)
        await page.locator("#find").click()
        found = page.locator(f'#results tr[data-id="{call.id}"]')
        await expect(found).to_be_visible()
        await expect(found).to_contain_text("******6789")  # QA does not see the caller's number
        await found.locator("button.open").click()
        # The audio is fetched once (one audited play) and drawn as a waveform.
        await expect(page.locator("#wave")).to_have_attribute("data-peaks", re.compile(r"^[1-9]"))

        duration = await page.evaluate(
            """async () => {
                const a = document.getElementById("player");
                await a.play();
                const played = () => a.currentTime > 0.2;
                await new Promise((ok) => played() ? ok()
                    : a.addEventListener("timeupdate", () => played() && ok()));
                return a.duration;
            }"""
        )
        assert duration > 1  # Chromium decoded the Ogg Vorbis file
        await page.locator("#speed").select_option("1.5")
        assert await page.evaluate('document.getElementById("player").playbackRate') == 1.5
        await page.evaluate('document.getElementById("player").pause()')
        wave = page.locator("#wave")
        box = await wave.bounding_box()
        assert box is not None
        await wave.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})  # seek
        at = await page.evaluate('document.getElementById("player").currentTime')
        assert at == pytest.approx(duration * 0.75, abs=duration * 0.05)
        await page.locator("#detail").screenshot(path="/tmp/qa-waveform-desktop.png")

        for key in ("greeting", "understanding", "courtesy", "closing"):
            await page.locator(f'#criteria input[name="{key}"]').fill("100")
        await page.locator('#criteria input[name="accuracy"]').fill("70")
        await page.locator('#score textarea[name="comments"]').fill("ดีมาก · clear answer")
        await page.locator("#submit-score").click()
        await expect(page.locator("#score-result")).to_contain_text(
            re.compile(r"submitted: 90(\.0)? / 100")
        )
        await expect(page.locator("#evaluations li")).to_have_count(1)
        await context.close()

    admin = await add_user(app, Role.admin)
    login = await client.post("/api/v1/auth/login", json={"username": admin, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    rows = (
        await client.get("/api/v1/audit", params={"recording_id": call.id}, headers=headers)
    ).json()
    mine = [r for r in rows if r["username"] == qa_user]
    assert {"play", "evaluate"} <= {r["action"] for r in mine}
    assert any("Chrome" in (r["user_agent"] or "") for r in mine if r["action"] == "play")


async def test_qa_page_fits_a_phone_and_refuses_agents(
    app: FastAPI, site: str, call: Recording
) -> None:
    qa_user, agent = await add_user(app, Role.qa), await add_user(app, Role.agent)
    async with web.chromium() as browser:
        phone = ViewportSize(width=390, height=844)
        context = await browser.new_context(
            viewport=phone, is_mobile=True, has_touch=True, locale="th-TH"
        )
        page = await context.new_page()
        await sign_in(page, site, qa_user)
        await expect(page.locator(f'#results tr[data-id="{call.id}"]')).to_be_visible()
        overflow = await page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
        assert overflow <= 1  # nothing sticks out sideways on a phone
        await page.screenshot(path="/tmp/qa-phone.png")
        await context.close()

        context = await browser.new_context()
        page = await context.new_page()
        await sign_in_expect_403(page, site, agent)
        await context.close()


async def sign_in_expect_403(page: Page, url: str, username: str) -> None:
    await page.goto(f"{url}/login?next=/qa")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await expect(page.locator("#forbidden")).to_contain_text(
        "The QA page needs the qa or supervisor role."
    )
