"""The wallboard's agent grid and waiting callers in a real browser, on the real stack.

A simulated agent logs in paused; a supervisor sees it in the grid (state, reason by name,
time in state) and acts from its row: unpause, pause for a meal, set a penalty, log out;
each step shows on the board and is in the audit trail. Then one caller into `digital-law`
waits while the one simulated agent rings: the queue's waiting list shows its position,
the running wait, the IVR choice and the masked number; the grid shows the agent on the
call with the masked caller. Desktop and 390 px phone.

Screenshots: /tmp/board-grid-desktop.png, /tmp/board-grid-phone.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from callcenter import centre
from callcenter.ami.client import AmiActionFailed, AmiClient
from callcenter.config import Settings
from callcenter.simulate import agents as sim_agents
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
    sign_in,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

LAYOUT = centre.load(Path(__file__).resolve().parents[2] / "asterisk_conf")
GRID_QUEUE = "general-enquiries"
SKILL_QUEUE = "digital-law"  # a skill the supervisor adds and takes away
CALL_QUEUE = "digital-law"
N = 88  # a simulated agent number no other test uses


@pytest.fixture(scope="module")
async def site(settings: Settings) -> AsyncIterator[Site]:
    async with board_site(settings, "callcenter_grid") as own:
        yield own


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with web.chromium() as browser:
        yield browser


async def board(chromium: Browser, site: Site, *, phone: bool = False) -> Page:
    context = await new_context(chromium, PHONE if phone else DESKTOP, phone=phone)
    page = await context.new_page()
    await page.goto(f"{site.url}/login?next=/wallboard")
    await sign_in(page, site.supervisor)
    await page.wait_for_url(f"{site.url}/wallboard")
    await expect(page.locator("#link")).to_have_text(re.compile("live"), timeout=15_000)
    return page


async def leave(ami: AmiClient, iface: str) -> None:
    for queue in (GRID_QUEUE, SKILL_QUEUE):
        with contextlib.suppress(AmiActionFailed):  # "Not there": already out
            await ami.action(
                {"Action": "QueueRemove", "Queue": queue, "Interface": iface}, as_list=False
            )


async def test_supervisor_acts_on_an_agent_from_the_grid(
    site: Site, chromium: Browser, sim_ami: AmiClient
) -> None:
    iface, member = sim_agents.interface(N), sim_agents.member_name(N)
    await leave(sim_ami, iface)  # a run cut short may have left it in
    await sim_ami.action(
        {"Action": "QueueAdd", "Queue": GRID_QUEUE, "Interface": iface, "MemberName": member,
         "Paused": "true", "Reason": "training"},
        as_list=False,
    )  # fmt: skip
    page = await board(chromium, site)
    try:
        row = page.locator(f'#agent-grid tr[data-interface="{iface}"]')
        await expect(row).to_have_attribute("data-state", "paused", timeout=15_000)
        await expect(row.locator("td").nth(1)).to_contain_text("อบรม · Training")
        await expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^(–|\d+ s)$"))

        await row.locator("button.unpause").click()
        await expect(row).to_have_attribute("data-state", "available", timeout=10_000)
        # Time in state: the engine saw the change, the clock runs from it.
        await expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\d+ s$"))
        await row.locator("select.reason").select_option("meal")
        await row.locator("button.pause").click()
        await expect(row).to_have_attribute("data-state", "paused", timeout=10_000)
        await expect(row.locator("td").nth(1)).to_contain_text("พักรับประทานอาหาร · Meal")
        await row.locator("input.penalty").fill("3")
        await row.locator("button.set-penalty").click()
        await expect(page.locator("#grid-result")).to_contain_text("done: penalty")
        members = await sim_agents.SimAgents(ami=sim_ami, queue=GRID_QUEUE).members()
        assert members[iface]["Penalty"] == "3", members[iface]
        # A skill added (the paused agent stays paused there too), then taken away again.
        await row.locator("select.pq").select_option(SKILL_QUEUE)
        await row.locator("input.penalty").fill("2")
        await row.locator("button.add-queue").click()
        await expect(page.locator("#grid-result")).to_contain_text("done: add_queue")
        skill = sim_agents.SimAgents(ami=sim_ami, queue=SKILL_QUEUE)
        added = (await skill.members())[iface]
        assert (added["Penalty"], added["Paused"]) == ("2", "1"), added
        await row.locator("select.pq").select_option(SKILL_QUEUE)
        await row.locator("button.remove-queue").click()
        await expect(page.locator("#grid-result")).to_contain_text("done: remove_queue")
        assert iface not in await skill.members()
        assert iface in await sim_agents.SimAgents(ami=sim_ami, queue=GRID_QUEUE).members()
        await page.screenshot(path="/tmp/board-grid-desktop.png", full_page=True)

        async def accept(dialog: Dialog) -> None:
            await dialog.accept()

        page.on("dialog", accept)
        await row.locator("button.logout").click()
        await expect(row).to_have_count(0, timeout=10_000)

        trail = await page.evaluate(
            "async () => (await fetch('/api/v1/supervise/agent-actions')).json()"
        )
        mine = [
            (r["action"], r["detail"], r["outcome"])
            for r in trail if r["interface"] == iface and r["username"] == site.supervisor
        ]  # fmt: skip
        assert list(reversed(mine)) == [
            ("unpause", "", "done"),
            ("pause", "meal", "done"),
            ("penalty", f"{GRID_QUEUE}=3", "done"),
            ("add_queue", f"+{SKILL_QUEUE}=2", "done"),
            ("remove_queue", f"-{SKILL_QUEUE}", "done"),
            ("logout", GRID_QUEUE, "done"),
        ]
    finally:
        await page.context.close()
        await leave(sim_ami, iface)


async def test_waiting_callers_and_the_agent_on_the_call(
    site: Site, chromium: Browser, sim_ami: AmiClient
) -> None:
    page = await board(chromium, site)
    phone_page = await board(chromium, site, phone=True)
    try:
        card = page.locator(f'section.queue[data-queue="{CALL_QUEUE}"]')
        await expect(card.locator(".waiting")).to_have_text("0", timeout=30_000)
        spec = one_call(ring_s=8, talk_s=4)
        sim = Simulation(
            ami=sim_ami, spec=spec, calls=plan(spec, run_id=f"g{uuid.uuid4().hex[:6]}")
        )
        running = asyncio.create_task(sim.run())
        try:
            caller = card.locator(".calls li")
            await expect(caller).to_have_count(1, timeout=20_000)
            digit = next(q.digit for q in LAYOUT.queues if q.name == CALL_QUEUE)
            await expect(caller).to_contain_text("#1 ")
            await expect(caller).to_contain_text(f"IVR {digit} ")
            await expect(caller).to_contain_text("Digital law")
            await expect(caller).to_contain_text(re.compile(r"\*{4,}\d{4}"))
            await expect(caller.locator(".wait")).to_have_text(re.compile(r"^[1-9]\d* s$"))
            phone_caller = phone_page.locator(f'section.queue[data-queue="{CALL_QUEUE}"] .calls li')
            await expect(phone_caller).to_have_count(1, timeout=10_000)
            await phone_page.screenshot(path="/tmp/board-grid-phone.png", full_page=True)
            width = await phone_page.evaluate(
                "() => [document.documentElement.scrollWidth, innerWidth]"
            )
            assert width[0] <= width[1], f"the board is wider than the phone: {width}"
            on_call = page.locator('#agent-grid tr[data-state="on_call"]')
            await expect(on_call.first).to_be_visible(timeout=20_000)
            await expect(on_call.first.locator("td").nth(3)).to_contain_text("Digital law")
            await expect(on_call.first.locator("td").nth(4)).to_have_text(
                re.compile(r"^\*{4,}\d{4}$")
            )
        finally:
            await asyncio.wait_for(running, timeout=90)
            await sim.agents.logout_all()
        assert [s.outcome for s in sim.states] == ["answered"], [s.as_dict() for s in sim.states]
        await expect(card.locator(".calls li")).to_have_count(0, timeout=10_000)
    finally:
        await page.context.close()
        await phone_page.context.close()
