"""The supervisors' wallboard in a real browser (Playwright driving Debian's Chromium).

A service instance on a database of its own is served by uvicorn on 127.0.0.1; a
supervisor signs in through the /login form, opens /wallboard, and watches one
simulated call into `digital-law` wait and then be answered, with no page reload.
An agent gets the 403 page; a stranger is sent to /login.

Screenshots of the board (desktop and phone) go to /tmp/wallboard-*.png.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Frame, expect

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.runner import Simulation
from callcenter.simulate.spec import plan
from tests.integration import browser as web
from tests.integration.wallboard_support import (
    DESKTOP,
    PHONE,
    Site,
    board_site,
    new_context,
    one_call,
    queue_card,
    sign_in,
    wait_live,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

FORBIDDEN_TH = "หน้านี้สำหรับหัวหน้างานเท่านั้น"
FORBIDDEN_EN = "The wallboard needs the supervisor or admin role."


@pytest.fixture(scope="module")
async def site(settings: Settings) -> AsyncIterator[Site]:
    async with board_site(settings, "callcenter_web") as own:
        yield own


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with web.chromium() as browser:
        yield browser


async def test_supervisor_watches_a_call_wait_then_get_answered(
    site: Site, chromium: Browser, sim_ami: AmiClient
) -> None:
    context = await new_context(chromium, DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(f"{site.url}/wallboard")  # not signed in yet: the login form
        await expect(page).to_have_url(f"{site.url}/login?next=/wallboard")
        await sign_in(page, site.supervisor)
        await page.wait_for_url(f"{site.url}/wallboard")
        await wait_live(page)
        await expect(page.locator("#complete")).not_to_have_class(re.compile("unknown"))

        card = queue_card(page)
        waiting, answered = card.locator(".waiting"), card.locator(".answered")
        offered = card.locator(".offered")
        await expect(waiting).to_have_text("0", timeout=30_000)  # nobody else's caller waits
        answered_before = int(await answered.inner_text())
        offered_before = int(await offered.inner_text())

        # Anything that replaces the document would lose this marker and the time origin.
        loaded = await page.evaluate(
            "() => { window.__boardMark = crypto.randomUUID();"
            " return [window.__boardMark, performance.timeOrigin]; }"
        )
        navigations: list[str] = []

        def navigated(frame: Frame) -> None:
            if frame is page.main_frame:
                navigations.append(frame.url)

        page.on("framenavigated", navigated)

        run_spec = one_call(ring_s=4, talk_s=2)  # the one agent rings 4 s: the caller waits
        calls = plan(run_spec, run_id=f"w{uuid.uuid4().hex[:6]}")
        sim = Simulation(ami=sim_ami, spec=run_spec, calls=calls)
        running = asyncio.create_task(sim.run())
        try:
            await expect(waiting).to_have_text("1", timeout=20_000)
            await expect(answered).to_have_text(str(answered_before + 1), timeout=20_000)
            await expect(waiting).to_have_text("0", timeout=10_000)
            await expect(offered).to_have_text(str(offered_before + 1))
        finally:
            await asyncio.wait_for(running, timeout=90)
            await sim.agents.logout_all()
        assert [s.outcome for s in sim.states] == ["answered"], [s.as_dict() for s in sim.states]

        still = await page.evaluate("() => [window.__boardMark, performance.timeOrigin]")
        assert still == loaded, "the page was reloaded"
        assert navigations == [], navigations
        await expect(page.locator("#link")).to_have_text(re.compile("live"))
        # The staffing line: Erlang C's agents for this interval beside the centre's agents
        # logged in (every state but logged out) and available, as the centre card counts them.
        staffing = page.locator("#staffing")
        await expect(staffing).to_contain_text(re.compile(r"needed \d+ · .*logged in \d+"))
        centre = page.locator("#centre .agents .agent-state")
        counts = dict(
            await centre.evaluate_all(
                "ss => ss.map(s => [s.dataset.state, Number(s.dataset.count)])"
            )
        )
        logged_in = sum(n for state, n in counts.items() if state != "logged_out")
        assert await staffing.get_attribute("data-logged-in") == str(logged_in)
        assert await staffing.get_attribute("data-available") == str(counts["available"])

        await page.screenshot(path="/tmp/wallboard-desktop.png", full_page=True)
        await phone_screenshot(chromium, context, site)
    finally:
        await context.close()


async def phone_screenshot(browser: Browser, signed_in: BrowserContext, site: Site) -> None:
    """The board on a phone: same session, nothing wider than the screen."""
    phone = await new_context(browser, PHONE, phone=True, state=await signed_in.storage_state())
    try:
        page = await phone.new_page()
        await page.goto(f"{site.url}/wallboard")
        await wait_live(page)
        sizes = await page.evaluate(
            """() => ({scroll: document.documentElement.scrollWidth, width: innerWidth,
                       centre: document.getElementById("centre").getBoundingClientRect().top,
                       height: innerHeight})"""
        )
        assert sizes["scroll"] <= sizes["width"], f"the board is wider than the phone: {sizes}"
        # However many alerts there are, the board itself starts on the first screen.
        assert sizes["centre"] < sizes["height"] / 2, f"the board is pushed down: {sizes}"
        await page.screenshot(path="/tmp/wallboard-phone.png", full_page=True)
    finally:
        await phone.close()


async def test_agent_gets_403_and_stranger_goes_to_login(site: Site, chromium: Browser) -> None:
    stranger = await new_context(chromium, DESKTOP)
    try:
        page = await stranger.new_page()
        response = await page.goto(f"{site.url}/wallboard")
        assert response is not None
        assert page.url == f"{site.url}/login?next=/wallboard"
        hop = response.request.redirected_from
        assert hop is not None and hop.url == f"{site.url}/wallboard"
        first = await hop.response()
        assert first is not None and first.status == 303
        await expect(page.locator("form#login")).to_be_visible()
    finally:
        await stranger.close()

    agent = await new_context(chromium, DESKTOP)
    try:
        page = await agent.new_page()
        await page.goto(f"{site.url}/login")
        async with page.expect_response(f"{site.url}/wallboard") as info:
            await sign_in(page, site.agent)  # the form then sends the browser to /wallboard
        forbidden = await info.value
        assert forbidden.status == 403
        await expect(page.locator("#forbidden")).to_contain_text(FORBIDDEN_TH)
        await expect(page.locator("#forbidden")).to_contain_text(FORBIDDEN_EN)
        await expect(page).to_have_title(re.compile("403"))
        # Nor does the board's stream let an agent in.
        code = await page.evaluate(
            """() => new Promise((resolve) => {
                const ws = new WebSocket(`ws://${location.host}/ws/wallboard`);
                ws.onclose = (e) => resolve(e.code);
            })"""
        )
        assert code == 4403
    finally:
        await agent.close()
