"""The agent desk in a real browser: WebRTC softphone on the real Asterisk, screen pop, a case.

Debian's Chromium with fake media devices signs in as agent31, registers its
PJSIP endpoint over SIP-over-WebSocket (DTLS-SRTP, ICE on loopback), joins
`online-shopping` only (its primary skill), takes one simulated caller, sees
the caller's previous case, files a case with a category and a referral from
the call, hangs up, then pauses with a reason and is offered no call. The
transfer tests hand a caller on blind, and after a consult with a colleague
whose phone is a second browser registered as agent39 (attended).
Screenshot: /tmp/desk-desktop.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect
from sqlalchemy import text

from agent_ui.hub import Subscription
from callcenter.ami.client import AmiClient
from callcenter.cases import service as case_service
from callcenter.cases.schemas import CaseCreate
from callcenter.config import Settings
from callcenter.main import create_app
from callcenter.simulate.runner import network_id, simulator_ami
from callcenter.stack.asterisk import AsteriskService
from callcenter.supervise import service as supervise_service
from callcenter.users import service as user_service
from callcenter.users.models import Role, User
from callcenter.users.schemas import UserCreate
from tests.helpers import is_subsequence, poll
from tests.integration import browser as web
from tests.integration.conftest import own_database

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

# The engine's wrap-up outlasts every test step: only the agent's disposition ends it.
AGENT, QUEUE, WRAPUP_S = "agent31", "online-shopping", 300
SUPERVISOR_PHONE = "agent40"  # nobody registers it: ChanSpy's call to it is queued, then fails
PASSWORD = "correct-horse-1"
MEDIA_ARGS = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",  # Asterisk's RTP is bound to 127.0.0.1
    "--disable-features=WebRtcHideLocalIpsWithMdns",  # Asterisk cannot resolve .local names
    "--autoplay-policy=no-user-gesture-required",
)
WATCHED = frozenset(
    {"AgentCalled", "AgentConnect", "QueueMemberPause", "QueueCallerAbandon", "Hold", "Unhold"}
    | {"BlindTransfer", "AttendedTransfer", "UserEvent"}
)


@dataclass
class Site:
    url: str
    app: FastAPI
    settings: Settings
    agent: User
    supervisor: str
    events: AmiClient
    seen: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def own_db(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Own database, and a copy of the layout whose QUEUE has a wrap-up time.

    Only the service reads the copy (its live engine shows wrap_up for WRAPUP_S after a
    call, until the agent gives the call a disposition); Asterisk keeps the shared
    queues.conf, so other tests' calls are not slowed.
    """
    conf = tmp_path_factory.mktemp("conf")
    shutil.copy(settings.conf_dir / "centre.toml", conf / "centre.toml")
    shutil.copy(settings.conf_dir / "dispositions.toml", conf / "dispositions.toml")
    text = (conf / "centre.toml").read_text(encoding="utf-8")
    text = text.replace(f'name = "{QUEUE}"\n', f'name = "{QUEUE}"\nwrapuptime = {WRAPUP_S}\n', 1)
    (conf / "centre.toml").write_text(text, encoding="utf-8")
    # The dial pad calls out through sim-customers (a number ending in 0 answers).
    update = {"conf_dir": conf, "desk_out_context": "sim-customers"}
    with own_database(settings.model_copy(update=update), "callcenter_desk") as own:
        yield own


@pytest.fixture(scope="module")
async def site(own_db: Settings) -> AsyncIterator[Site]:
    app = create_app(own_db)
    events = simulator_ami(own_db, event_filter=WATCHED.__contains__)
    async with app.router.lifespan_context(app):
        await events.start()
        await poll(
            lambda: app.state.services.ami.connected and events.connected, timeout_s=60, what="AMI"
        )
        async with app.state.services.sessions() as session, session.begin():
            user_in = UserCreate(
                username=f"desk-{uuid.uuid4().hex[:6]}", password=PASSWORD, role=Role.agent,
                agent_id=AGENT, display_name="เจ้าหน้าที่ 37",
            )  # fmt: skip
            agent = await user_service.create(session=session, user_in=user_in)
            sup_in = UserCreate(
                username=f"desk-sup-{uuid.uuid4().hex[:6]}", password=PASSWORD,
                role=Role.supervisor, agent_id=SUPERVISOR_PHONE,
            )  # fmt: skip
            supervisor = await user_service.create(session=session, user_in=sup_in)
        try:
            async with web.serve(app) as url:
                yield Site(url, app, own_db, agent, supervisor.username, events)
        finally:
            await events.stop()


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with web.chromium(*MEDIA_ARGS) as browser:
        yield browser


async def seed_case(site: Site, caller: str) -> str:
    async with site.app.state.services.sessions() as session, session.begin():
        case_in = CaseCreate(
            service_line=QUEUE, category="item-not-received", caller_phone=caller,
            description="สั่งของออนไลน์แล้วไม่ได้รับสินค้า",
        )  # fmt: skip
        case = await case_service.create(session=session, case_in=case_in, user=site.agent)
        assert case.number is not None
        return case.number


async def pjsip_contacts(settings: Settings) -> str:
    return await asyncio.to_thread(AsteriskService(settings).rx, "pjsip show contacts")


async def place_caller(ami: AmiClient, caller: str, *, patience_s: int) -> str:
    """A simulated caller into QUEUE (as callcenter/simulate places them); its call id."""
    call_id = f"desk{uuid.uuid4().hex[:10]}"
    await ami.action(
        {
            "Action": "Originate", "Channel": f"Local/{QUEUE}@callers", "Context": "callerphone",
            "Exten": "s", "Priority": "1", "ChannelId": call_id,
            "OtherChannelId": network_id(call_id), "CallerID": f'"{caller}" <{caller}>',
            "Timeout": "30000", "Async": "true",
            "Variable": [f"__SIM_CALLER={caller}", f"SIM_TICKS={patience_s * 4}"],
        },
        as_list=True,
    )  # fmt: skip
    return call_id


def saw(site: Site, start: int, event: str, **headers: str) -> bool:
    """An AMI event of that name with those headers was seen since `start`."""
    return any(
        e.get("Event") == event and all(e.get(k) == v for k, v in headers.items())
        for e in site.seen[start:]
    )


async def collect(site: Site) -> None:
    while True:
        site.seen.append(await site.events.events.get())


def wallboard_states(frames: list[dict[str, Any]]) -> list[str]:
    """QUEUE's one agent's state on each wallboard frame (this test's agent is its only member)."""
    states: list[str] = []
    for data in frames:
        by_state = data.get("queues", {}).get(QUEUE, {}).get("agents", {})
        busy = [
            s for s in ("ringing", "on_call", "wrap_up", "paused", "available") if by_state.get(s)
        ]
        if busy and (not states or states[-1] != busy[0]):
            states.append(busy[0])
    return states


async def follow_wallboard(sub: Subscription, frames: list[dict[str, Any]]) -> None:
    while (frame := await sub.next_frame()) is not None:
        frames.extend(m["data"] for m in json.loads(frame))


async def sign_in(page: Page, site: Site, username: str | None = None) -> None:
    await page.goto(f"{site.url}/desk")
    await expect(page).to_have_url(f"{site.url}/login?next=/desk")
    await page.locator("#username").fill(username or site.agent.username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await page.wait_for_url(f"{site.url}/desk")


async def test_agent_answers_a_queued_caller_files_a_case_and_pauses(
    site: Site, chromium: Browser
) -> None:
    caller = f"08{uuid.uuid4().int % 10**8:08d}"
    previous = await seed_case(site, caller)
    collector = asyncio.create_task(collect(site))
    frames: list[dict[str, Any]] = []
    sub = site.app.state.services.hub.subscribe("wallboard")
    follower = asyncio.create_task(follow_wallboard(sub, frames))
    context = await chromium.new_context(
        viewport={"width": 1366, "height": 820}, locale="th-TH", timezone_id="Asia/Bangkok"
    )
    page = await context.new_page()
    try:
        await sign_in(page, site)
        await expect(page.locator("#sip-status")).to_have_attribute(
            "data-state", "registered", timeout=20_000
        )
        assert re.search(rf"Contact:\s+{AGENT}/sip:", await pjsip_contacts(site.settings)), (
            "not registered"
        )

        await callback_pop_shows(site, page)
        # Default + the fake device; the page lists devices once its phone has started.
        await expect(page.locator("#mic option").nth(1)).to_be_attached(timeout=10_000)

        await join_queue_only(page)

        call_id = await place_caller(site.events, caller, patience_s=60)
        await expect(page.locator("#pop-caller")).to_have_text(caller, timeout=20_000)
        print_pop_latency(site, call_id, shown_at=time.time())
        await expect(page.locator("#call-status")).to_have_attribute("data-state", "ringing")
        await expect(page.locator("#pop-queue")).to_contain_text("ซื้อขายออนไลน์ · Online shopping")
        await expect(page.locator("#pop-cases")).to_contain_text(previous, timeout=10_000)
        await expect(page.locator("#agent-state")).to_have_attribute("data-state", "ringing")

        await page.locator("#answer").click()
        await expect(page.locator("#call-status")).to_have_attribute(
            "data-state", "talking", timeout=15_000
        )
        connected = {"Uniqueid": network_id(call_id), "MemberName": AGENT}
        await poll(lambda: saw(site, 0, "AgentConnect", **connected), timeout_s=15, what="bridged")
        await expect(page.locator("#pop-stage")).to_contain_text("Connected")
        await expect(page.locator("#agent-state")).to_have_attribute("data-state", "on_call")
        await expect(page.locator("#call-timer")).to_be_visible()
        await expect(page.locator("#call-timer")).to_have_text(re.compile(r"^0:0[1-9]$"))
        await supervisor_listens(site)
        await supervisor_whispers_from_the_wallboard(site, chromium)
        await hold_and_resume(site, page)

        await page.locator("#case-category").select_option("late-delivery")
        await page.locator("#case-description").fill("ร้านค้าส่งสินค้าช้ากว่ากำหนด 3 สัปดาห์")
        await page.locator("#case-agency").select_option("ocpb")
        await page.locator("#case-create").click()
        await expect(page.locator("#case-result")).to_have_attribute(
            "data-case-id", re.compile(r"\d+"), timeout=10_000
        )
        case_id = int(await page.locator("#case-result").get_attribute("data-case-id") or 0)
        await page.screenshot(path="/tmp/desk-desktop.png", full_page=True)

        await page.locator("#hangup").click()
        await expect(page.locator("#call-status")).to_have_attribute(
            "data-state", "idle", timeout=10_000
        )
        await expect(page.locator("#call-timer")).to_have_attribute("data-running", "false")
        await expect(page.locator("#agent-state")).to_have_attribute(
            "data-state", "wrap_up", timeout=20_000
        )
        await expect(page.locator("#wrap")).to_have_attribute("data-state", "due")
        await dispose(page, "case-opened", note="เปิดเรื่องร้องเรียนแล้ว")
        await check_disposition(site, call_id, "case-opened", "เปิดเรื่องร้องเรียนแล้ว")
        recent = page.locator(f'#recent-calls li[data-call="{call_id}"]')
        await expect(recent).to_contain_text(caller, timeout=10_000)
        await expect(recent).to_contain_text("บันทึกเรื่องร้องเรียนแล้ว · Case opened")
        await poll(
            lambda: wallboard_states(frames)[-1:] == ["available"], timeout_s=10, what="board"
        )
        states = wallboard_states(frames)
        assert is_subsequence(["ringing", "on_call", "wrap_up", "available"], states), states

        await check_case(site, case_id, call_id)
        await link_previous_case(site, page, previous, call_id)
        await pause_and_get_no_call(site, page)
    finally:
        with contextlib.suppress(Exception):
            await page.locator("#queue-logout").click()
            await expect(page.locator("#agent-state")).to_have_attribute(
                "data-state", "logged_out", timeout=10_000
            )
        await context.close()
        site.app.state.services.hub.unsubscribe(sub)
        for task in (collector, follower):
            task.cancel()


async def dispose(page: Page, code: str, note: str = "") -> None:
    """Give the call a disposition on the page: wrap-up ends, the agent is available."""
    await expect(page.locator("#disposition-submit")).to_be_enabled(timeout=10_000)
    await page.locator("#disposition").select_option(code)
    await page.locator("#disposition-note").fill(note)
    await page.locator("#disposition-submit").click()
    await expect(page.locator("#disposition-result")).to_have_attribute(
        "data-code", code, timeout=10_000
    )
    await expect(page.locator("#agent-state")).to_have_attribute(
        "data-state", "available", timeout=10_000
    )


async def check_disposition(site: Site, call_id: str, code: str, note: str) -> None:
    """Stored against the call with the agent and the login that gave it."""
    async with site.app.state.services.sessions() as session:
        rows = await session.execute(
            text("select code, note, agent_id, username from call_dispositions "
                 "where linkedid = :l order by id"), {"l": call_id},
        )  # fmt: skip
        assert [tuple(r) for r in rows] == [(code, note, AGENT, site.agent.username)]


async def link_previous_case(site: Site, page: Page, number: str, call_id: str) -> None:
    """After the call: the caller's earlier case, found in the desk's case list, is linked
    to the call too."""
    await page.locator("#case-q").fill(number)
    await page.locator("#case-search button").click()
    row = page.locator(f'#case-list li[data-number="{number}"]')
    await expect(row).to_have_count(1, timeout=10_000)
    await row.locator("button.link-call").click()
    await expect(page.locator("#case-result")).to_contain_text(f"Case {number} linked")
    async with site.app.state.services.sessions() as session:
        linked = await case_service.for_call(session=session, linkedid=call_id)
        assert number in {c.number for c in linked} and len(linked) == 2


async def test_pause_while_ringing_waits_for_the_call(site: Site, chromium: Browser) -> None:
    """Pause asked for while a call rings: the desk says 'pause requested' through the
    ring and the talk, and paused (with the reason) once the call is over."""
    context = await chromium.new_context(
        viewport={"width": 1280, "height": 800}, locale="th-TH", timezone_id="Asia/Bangkok"
    )
    page = await context.new_page()
    state = page.locator("#agent-state")
    try:
        await sign_in(page, site)
        await expect(page.locator("#sip-status")).to_have_attribute(
            "data-state", "registered", timeout=20_000
        )
        await join_queue_only(page)
        caller = f"08{uuid.uuid4().int % 10**8:08d}"
        call_id = await place_caller(site.events, caller, patience_s=60)
        await expect(page.locator("#pop-caller")).to_have_text(caller, timeout=40_000)
        await expect(state).to_have_attribute("data-state", "ringing", timeout=10_000)
        await page.locator("#pause-reason").select_option("meal")
        await page.locator("#pause").click()
        await expect(state).to_have_attribute("data-pause-requested", "true", timeout=10_000)
        await expect(state).to_contain_text("สายเรียกเข้า · Ringing")
        await expect(state).to_contain_text("Pause requested (after this call)")

        await page.locator("#answer").click()
        await expect(state).to_have_attribute("data-state", "on_call", timeout=15_000)
        await expect(state).to_have_attribute("data-pause-requested", "true")
        await page.locator("#hangup").click()
        await expect(state).to_have_attribute("data-state", "paused", timeout=20_000)
        await expect(state).to_have_attribute("data-pause-requested", "false")
        await expect(state).to_contain_text("พักรับประทานอาหาร · Meal")
        # The code is still given; the pause the agent asked for holds.
        await page.locator("#disposition").select_option("resolved")
        await page.locator("#disposition-submit").click()
        await expect(page.locator("#disposition-result")).to_have_attribute(
            "data-call", call_id, timeout=10_000
        )
        await expect(state).to_have_attribute("data-state", "paused")
        await page.locator("#ready").click()
        await expect(state).to_have_attribute("data-state", "available", timeout=10_000)
    finally:
        with contextlib.suppress(Exception):
            await page.locator("#queue-logout").click()
            await expect(state).to_have_attribute("data-state", "logged_out", timeout=10_000)
        await context.close()


async def check_case(site: Site, case_id: int, call_id: str) -> None:
    """The case from the page is linked to the call, with its category and referral."""
    async with site.app.state.services.sessions() as session:
        linked = await case_service.for_call(session=session, linkedid=call_id)
        assert [c.id for c in linked] == [case_id]
        case = linked[0]
        assert (case.service_line, case.status, case.caller_phone_norm != "") == (
            QUEUE,
            "referred",
            True,
        )
        refs = await session.execute(
            text("select agency from case_referrals where case_id = :id"), {"id": case_id}
        )
        assert [r[0] for r in refs] == ["ocpb"]


async def pause_and_get_no_call(site: Site, page: Page) -> None:
    """Pause for training from the page: QueueMemberPause with that reason; no call offered."""
    await page.locator("#pause-reason").select_option("training")
    mark = len(site.seen)
    await page.locator("#pause").click()
    await poll(
        lambda: any(e.get("Event") == "QueueMemberPause" and e.get("MemberName") == AGENT
                    and e.get("Paused") == "1"
                    and "training" in (e.get("PausedReason", ""), e.get("Reason", ""))
                    for e in site.seen[mark:]),
        timeout_s=10, what="QueueMemberPause with reason training",
    )  # fmt: skip
    await expect(page.locator("#agent-state")).to_have_attribute(
        "data-state", "paused", timeout=10_000
    )
    await expect(page.locator("#agent-state")).to_contain_text("อบรม · Training")

    call_id = await place_caller(site.events, f"08{uuid.uuid4().int % 10**8:08d}", patience_s=6)
    gone = {"Uniqueid": network_id(call_id)}
    await poll(lambda: saw(site, mark, "QueueCallerAbandon", **gone), timeout_s=30, what="gave up")
    offered = [
        e
        for e in site.seen[mark:]
        if e.get("Event") == "AgentCalled" and e.get("MemberName") == AGENT
    ]
    assert offered == [], "a paused agent was offered a call"
    await expect(page.locator("#call-status")).to_have_attribute("data-state", "idle")


async def supervisor_listens(site: Site) -> None:
    """A supervisor listens in on the live call: audited with the agent on call."""
    async with httpx.AsyncClient(base_url=site.url) as http:
        login = {"username": site.supervisor, "password": PASSWORD}
        assert (await http.post("/api/v1/auth/login", json=login)).status_code == 200
        r = await http.post("/api/v1/supervise", json={"agent_id": AGENT, "mode": "listen"})
        assert r.status_code == 201, r.text
        assert (r.json()["agent_state"], r.json()["phone"]) == ("on_call", SUPERVISOR_PHONE)
        now = (await http.get("/api/v1/supervise/agents")).json()
        assert {"agent_id": AGENT, "state": "on_call", "reason": ""} in now


async def callback_pop_shows(site: Site, page: Page) -> None:
    """The callbacks dialer's pop (same agent stream) shows the dropped call's time."""
    site.app.state.services.hub.publish(
        f"agent:{AGENT}",
        {
            "type": "callback", "task_id": 1, "number": "0899999999", "queue": QUEUE,
            "dropped_at": "2026-11-29T15:04:05+00:00",
            "text_en": "Callback to 0899999999, dropped at 22:04:05, queue Online shopping",
            "text_th": "โทรกลับหา 0899999999 สายหลุดเวลา 22:04:05 คิว ซื้อขายออนไลน์",
        },
    )  # fmt: skip
    await expect(page.locator("#pop-callback")).to_contain_text("dropped at 22:04:05")
    await expect(page.locator("#pop-caller")).to_have_text("0899999999")


async def hold_and_resume(site: Site, page: Page) -> None:
    """Hold from the page puts the agent's channel on hold in Asterisk; again resumes it."""
    mark, agent_leg = len(site.seen), f"PJSIP/{AGENT}-"
    await page.locator("#hold").click()
    await poll(lambda: held(site, mark, "Hold", agent_leg), timeout_s=10, what="Hold in AMI")
    await page.locator("#hold").click()
    await poll(lambda: held(site, mark, "Unhold", agent_leg), timeout_s=10, what="Unhold in AMI")
    await page.locator("#mute").click()
    await expect(page.locator("#mute")).to_have_attribute("aria-pressed", "true")
    await page.locator("#mute").click()
    await page.locator("#dtmf button", has_text="5").click()  # RFC 2833 through DTMF sender


def held(site: Site, start: int, event: str, prefix: str) -> bool:
    return any(
        e.get("Event") == event and e.get("Channel", "").startswith(prefix)
        for e in site.seen[start:]
    )


async def test_blind_transfer_to_another_agent(site: Site, chromium: Browser) -> None:
    """Blind transfer from the page: Asterisk takes the REFER (BlindTransfer to agent39)."""
    collector = asyncio.create_task(collect(site))
    context = await chromium.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    try:
        await answer_a_caller(site, page)
        mark = len(site.seen)
        await page.locator("#transfer-target").select_option("agent39")
        await page.locator("#transfer-blind").click()
        await poll(
            lambda: saw(site, mark, "BlindTransfer", Extension="agent39", Result="Success"),
            timeout_s=15, what="BlindTransfer to agent39",
        )  # fmt: skip
        await expect(page.locator("#call-status")).to_have_attribute(
            "data-state", "idle", timeout=15_000
        )
        await dispose(page, "referred")
    finally:
        with contextlib.suppress(Exception):
            await page.locator("#queue-logout").click()
            await expect(page.locator("#agent-state")).to_have_attribute(
                "data-state", "logged_out", timeout=10_000
            )
        await context.close()
        collector.cancel()


async def test_wrap_up_with_a_disposition_on_a_phone(site: Site, chromium: Browser) -> None:
    """At 390 px: the call timer runs, the call ends in wrap-up, the disposition ends it;
    the page never gets wider than the phone."""
    context = await chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="th-TH", timezone_id="Asia/Bangkok"
    )
    page = await context.new_page()
    try:
        call_id = await answer_a_caller(site, page)
        await expect(page.locator("#call-timer")).to_be_visible()
        await fits(page, 390)
        await page.locator("#hangup").click()
        await expect(page.locator("#call-status")).to_have_attribute(
            "data-state", "idle", timeout=10_000
        )
        await expect(page.locator("#agent-state")).to_have_attribute(
            "data-state", "wrap_up", timeout=20_000
        )
        await dispose(page, "information")
        await check_disposition(site, call_id, "information", "")
        await expect(page.locator(f'#recent-calls li[data-call="{call_id}"]')).to_contain_text(
            "ให้ข้อมูล/สอบถาม · Information given"
        )
        await fits(page, 390)
        await page.screenshot(path="/tmp/desk-phone.png", full_page=True)
    finally:
        with contextlib.suppress(Exception):
            await page.locator("#queue-logout").click()
            await expect(page.locator("#agent-state")).to_have_attribute(
                "data-state", "logged_out", timeout=10_000
            )
        await context.close()


async def test_agent_calls_out_from_the_dial_pad(site: Site, chromium: Browser) -> None:
    """Keys on the pad make the number; Call rings the agent's own phone (answered by the
    page), then Asterisk dials the number through the configured route; a disposition
    follows. A number the centre does not dial is refused on the page with the reason."""
    collector = asyncio.create_task(collect(site))
    context = await chromium.new_context(
        viewport={"width": 1366, "height": 820}, locale="th-TH", timezone_id="Asia/Bangkok"
    )
    page = await context.new_page()
    number = f"08{uuid.uuid4().int % 10**7:07d}0"  # sim-customers: ends in 0, answers
    plan = await asyncio.to_thread(AsteriskService(site.settings).rx, "dialplan show desk-dial")
    assert "DESK_NUMBER" in plan, "the stack's dialplan has no [desk-dial]: run `stack up`"
    try:
        await sign_in(page, site)
        await expect(page.locator("#sip-status")).to_have_attribute(
            "data-state", "registered", timeout=20_000
        )
        await page.locator("#dial-number").fill("12")
        await page.locator("#dial").click()
        await expect(page.locator("#error")).to_contain_text("invalid_number")
        await expect(page.locator("#error")).to_contain_text("หมายเลขไม่ถูกต้อง")

        await page.locator("#dial-number").fill("")
        for key in number:
            await page.locator("#dtmf button", has_text=key).first.click()
        await expect(page.locator("#dial-number")).to_have_value(number)
        mark = len(site.seen)
        await page.locator("#dial").click()
        await expect(page.locator("#error")).to_be_hidden()
        await expect(page.locator("#dial-result")).to_have_attribute(
            "data-call", re.compile(f"^desk-{AGENT}-"), timeout=30_000
        )
        call_id = await page.locator("#dial-result").get_attribute("data-call") or ""
        await expect(page.locator("#call-status")).to_contain_text(number, timeout=15_000)
        await poll(
            lambda: saw(site, mark, "UserEvent", UserEvent="DeskDial", Agent=AGENT,
                        Number=number, Status="ANSWER"),
            timeout_s=30, what=f"the dialled number answered {user_events(site, mark)}",
        )  # fmt: skip
        await expect(page.locator("#call-status")).to_have_attribute(
            "data-state", "idle", timeout=15_000
        )
        await page.locator("#disposition").select_option("information")
        await page.locator("#disposition-submit").click()
        await expect(page.locator("#disposition-result")).to_have_attribute(
            "data-call", call_id, timeout=10_000
        )
        await check_disposition(site, call_id, "information", "")
        row = page.locator(f'#recent-calls li[data-call="{call_id}"]')
        await expect(row).to_contain_text(number)
        await expect(row).to_contain_text("โทรออก · Out")
        await expect(page.locator("#pop-caller")).to_have_text(number)
        await expect(page.locator("#pop-stage")).to_have_text("โทรออก · Outbound")
        await expect(page.locator("#case-call")).to_have_text(number)
        await page.screenshot(path="/tmp/desk-dial-desktop.png", full_page=True)
    finally:
        await context.close()
        collector.cancel()


def user_events(site: Site, start: int) -> list[dict[str, str]]:
    return [e for e in site.seen[start:] if e.get("Event") == "UserEvent"]


async def fits(page: Page, width: int) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page is {wide} px wide on a {width} px screen"


async def supervisor_whispers_from_the_wallboard(site: Site, browser: Browser) -> None:
    """The wallboard's live-help row for the agent on call: Whisper rings the supervisor."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    try:
        page = await context.new_page()
        await page.goto(f"{site.url}/login?next=/wallboard")
        await page.locator("#username").fill(site.supervisor)
        await page.locator("#password").fill(PASSWORD)
        await page.locator("#submit").click()
        await page.wait_for_url(f"{site.url}/wallboard")
        row = page.locator(f'#spy-agents tr[data-agent="{AGENT}"]')
        await expect(row).to_have_attribute("data-state", "on_call", timeout=10_000)
        await row.locator(".spy-whisper").click()
        await expect(page.locator("#spy-result")).to_contain_text(
            f"Ringing your phone {SUPERVISOR_PHONE} (whisper {AGENT})"
        )
    finally:
        await context.close()
    async with site.app.state.services.sessions() as session:
        audit = await supervise_service.audit(session=session, agent_id=AGENT, limit=2)
    assert [(a.mode, a.username, a.agent_state) for a in audit] == [
        ("whisper", site.supervisor, "on_call"), ("listen", site.supervisor, "on_call"),
    ]  # fmt: skip


def print_pop_latency(site: Site, call_id: str, *, shown_at: float) -> None:
    """A figure for the report (not asserted): AgentCalled in Asterisk → number on the page."""
    rung = [
        e
        for e in site.seen
        if e.get("Event") == "AgentCalled" and e.get("Uniqueid") == network_id(call_id)
    ]
    if rung and rung[0].get("Timestamp"):
        print(f"screen pop latency: {shown_at - float(rung[0]['Timestamp']):.3f} s (upper bound)")


CONSULTED = "agent39"  # the consulted colleague: a second browser registers as its endpoint


async def test_attended_transfer_to_another_agent(site: Site, chromium: Browser) -> None:
    """Consult agent39 (a second browser), then complete: the caller ends up talking to agent39."""
    collector = asyncio.create_task(collect(site))
    first = await chromium.new_context(viewport={"width": 1280, "height": 800})
    second = await chromium.new_context(viewport={"width": 1280, "height": 800})
    page, colleague = await first.new_page(), await second.new_page()
    call_id = ""
    try:
        await sign_in(colleague, site, await colleague_user(site))
        await expect(colleague.locator("#sip-status")).to_have_attribute(
            "data-state", "registered", timeout=20_000
        )
        call_id = await answer_a_caller(site, page)
        mark = len(site.seen)
        await page.locator("#transfer-target").select_option(CONSULTED)
        await page.locator("#transfer-attended").click()
        await expect(colleague.locator("#call-status")).to_have_attribute(
            "data-state", "ringing", timeout=15_000
        )
        await colleague.locator("#answer").click()
        await expect(colleague.locator("#call-status")).to_have_attribute(
            "data-state", "talking", timeout=15_000
        )
        await expect(page.locator("#transfer-complete")).to_be_enabled(timeout=15_000)
        await page.locator("#transfer-complete").click()
        await poll(
            lambda: saw(
                site, mark, "AttendedTransfer", Result="Success",
                TransfereeUniqueid=network_id(call_id),
            ),
            timeout_s=15, what="AttendedTransfer in AMI",
        )  # fmt: skip
        await expect(page.locator("#call-status")).to_have_attribute(
            "data-state", "idle", timeout=15_000
        )
        await expect(colleague.locator("#call-status")).to_have_attribute("data-state", "talking")
        await poll(
            lambda: bridged_with(site, network_id(call_id), f"PJSIP/{CONSULTED}-"),
            timeout_s=15, what=f"caller bridged with {CONSULTED}",
        )  # fmt: skip
        await dispose(page, "referred")
    finally:
        with contextlib.suppress(Exception):
            await colleague.locator("#hangup").click()
        with contextlib.suppress(Exception):
            await page.locator("#queue-logout").click()
            await expect(page.locator("#agent-state")).to_have_attribute(
                "data-state", "logged_out", timeout=10_000
            )
        for context in (first, second):
            await context.close()
        if call_id:
            with contextlib.suppress(Exception):
                await hang_up(site, call_id)  # whatever state the test left the caller in
        collector.cancel()


async def colleague_user(site: Site) -> str:
    """A user whose phone is CONSULTED: signing in registers that endpoint from its page."""
    async with site.app.state.services.sessions() as session, session.begin():
        user_in = UserCreate(
            username=f"desk-b-{uuid.uuid4().hex[:6]}", password=PASSWORD, role=Role.agent,
            agent_id=CONSULTED,
        )  # fmt: skip
        user = await user_service.create(session=session, user_in=user_in)
        return user.username


async def join_queue_only(page: Page) -> None:
    """Log the page's agent into QUEUE only: other helpers' callers must not reach this phone."""
    for box in await page.locator("#queues input").all():
        if await box.get_attribute("value") != QUEUE:
            await box.uncheck()
    await page.locator("#queue-login").click()
    await expect(page.locator("#agent-state")).to_have_attribute(
        "data-state", "available", timeout=15_000
    )


async def answer_a_caller(site: Site, page: Page) -> str:
    """The page signs in, joins QUEUE only and answers one simulated caller; its call id."""
    await sign_in(page, site)
    await expect(page.locator("#sip-status")).to_have_attribute(
        "data-state", "registered", timeout=20_000
    )
    await join_queue_only(page)
    caller = f"08{uuid.uuid4().int % 10**8:08d}"
    call_id = await place_caller(site.events, caller, patience_s=60)
    await expect(page.locator("#pop-caller")).to_have_text(caller, timeout=40_000)
    await page.locator("#answer").click()
    await expect(page.locator("#call-status")).to_have_attribute(
        "data-state", "talking", timeout=15_000
    )
    return call_id


async def channels(site: Site) -> list[tuple[str, str, str]]:
    """(name, bridge id, uniqueid) of every channel, from the CLI's concise listing.

    Not AMI CoreShowChannels: the test's AMI logins lack the `system` right it needs.
    """
    out = await asyncio.to_thread(AsteriskService(site.settings).rx, "core show channels concise")
    rows = [line.split("!") for line in out.splitlines() if line.count("!") >= 13]
    return [(f[0], f[-2], f[-1]) for f in rows]


async def bridged_with(site: Site, uniqueid: str, prefix: str) -> bool:
    """The channel `uniqueid` shares a bridge with a channel whose name starts with `prefix`."""
    now = await channels(site)
    bridge = next((b for _, b, u in now if u == uniqueid), "")
    return bool(bridge) and any(b == bridge and n.startswith(prefix) for n, b, _ in now)


async def hang_up(site: Site, uniqueid: str) -> None:
    for name, _, u in await channels(site):
        if u == uniqueid:
            rx = AsteriskService(site.settings).rx
            await asyncio.to_thread(rx, f"channel request hangup {name}")
