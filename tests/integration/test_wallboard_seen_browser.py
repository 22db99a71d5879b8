"""What a supervisor saw wrong on the wallboard, checked in a real browser (Chromium).

1. The board's page and script as served, painting a snapshot the test controls (the
   board's websocket is answered by the test): the whole-centre longest wait runs from its
   oldest caller, queue tiles follow the IVR's order, pause reasons have names, "–" bars
   say why, and alerts come grouped by kind, snoozed ones out of the way.
2. The real service: alerts fire (an added check), a supervisor acknowledges one group and
   snoozes the other from the board; the board shows who acknowledged, the snoozed group
   leaves, and both actions are in the audit trail (GET /api/v1/alerts/actions).

Screenshots: /tmp/board-alerts-desktop.png, /tmp/board-alerts-phone.png.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, WebSocketRoute, expect

from callcenter import centre
from callcenter.alerts import rules
from callcenter.callbacks.models import CallbackEvent, CallbackTask
from callcenter.calls import service as calls_service
from callcenter.config import Settings
from callcenter.live import charts as live_charts
from queue_metrics.records import CallRecord, Outcome
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

LAYOUT = centre.load(Path(__file__).resolve().parents[2] / "asterisk_conf")
IVR_ORDER = [q.name for q in LAYOUT.queues]
LABELS = {q.name: (q.label_th, q.label_en) for q in LAYOUT.queues}


@pytest.fixture(scope="module")
async def site(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    """An empty queue_log of its own: the shared one holds every earlier test's calls, and the
    reconciler made a callback for each drop of the last half hour (1,291 in a full run),
    pushing this module's own tasks out of the board's latest hundred."""
    queue_log = tmp_path_factory.mktemp("seen") / "queue_log"
    queue_log.write_text("")
    own_settings = settings.model_copy(
        update={"alert_interval_s": 0.5, "queue_log_path": queue_log}
    )
    async with board_site(own_settings, "callcenter_seen") as own:
        yield own


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with web.chromium() as browser:
        yield browser


def figures(offered: int = 0, short: int = 0, sl: float | None = None) -> dict[str, Any]:
    return {
        "offered": offered, "answered": 0, "short_abandoned": short, "withdrawn": 0,
        "sl_pct": sl, "answer_rate_pct": sl, "abandon_rate_pct": None if sl is None else 0.0,
        "asa_s": None, "aht_s": None, "definition": "kpi-v1.1",
    }  # fmt: skip


def tile(name: str, now: float, *, waiting: int = 0, wait_s: float = 0) -> dict[str, Any]:
    th, en = LABELS.get(name, ("ทั้งศูนย์", "Centre"))
    return {
        "name": name, "label_th": th, "label_en": en, "waiting": waiting, "talking": 0,
        "longest_wait_s": wait_s or None, "oldest_entered_at": now - wait_s if waiting else None,
        "agents": {"available": 0, "paused": 1}, "paused_reasons": {"meal": 1},
        "paused": [{"reason": "meal", "label_th": "พักรับประทานอาหาร", "label_en": "Meal",
                    "count": 1}],
        "kpi": figures(), "kpi_60m": figures(),
        "kpi_note": {"th": "ยังไม่มีสายเข้าวันนี้", "en": "no calls offered yet today"},
    }  # fmt: skip


def alert(rule: str, scope: str, severity: str = "warning", **extra: Any) -> dict[str, Any]:
    th, en = rules.TITLES[rule]
    return {
        "id": f"{rule}:{scope}", "rule": rule, "scope": scope, "severity": severity,
        "text_th": f"{scope} th", "text_en": f"{scope} en", "title_th": th, "title_en": en,
        "acknowledged_by": None, "snoozed_until": None, **extra,
    }  # fmt: skip


def fabricated(now: float) -> dict[str, Any]:
    """The IVR's queues in reverse alphabetical dict order would show a sorting board."""
    queues = {name: tile(name, now) for name in sorted(IVR_ORDER, reverse=True)}
    queues[IVR_ORDER[1]] = tile(IVR_ORDER[1], now, waiting=1, wait_s=34)
    queues[IVR_ORDER[3]] = tile(IVR_ORDER[3], now, waiting=1, wait_s=14)
    short = tile(IVR_ORDER[2], now)
    short["kpi"] = figures(offered=2, short=2)
    short["kpi_note"] = {"th": "ไม่มีสายที่นับ", "en": "no calls counted: 2 short abandon(s)"}
    queues[IVR_ORDER[2]] = short
    centre_view = tile("", now, waiting=2, wait_s=34)
    alerts = [alert("wait_long", q) for q in IVR_ORDER[:4]]
    alerts += [alert("agents_short", IVR_ORDER[1], "critical")]
    alerts += [alert("sl_low", "centre", snoozed_until=now + 600, snoozed_by="sup-x")]
    return {
        "definition": "kpi-v1.1", "as_of": now, "complete": True, "order": IVR_ORDER,
        "targets": {}, "centre": centre_view, "queues": queues, "alerts": alerts,
    }  # fmt: skip


async def answer_board(page: Page) -> None:
    """The board's websocket is answered by the test with one snapshot."""

    def handler(ws: WebSocketRoute) -> None:
        message = {
            "type": "snapshot",
            "topic": "wallboard",
            "seq": 1,
            "data": fabricated(time.time()),
        }
        ws.send(json.dumps([message]))

    await page.route_web_socket(re.compile(r"/ws/wallboard$"), handler)


async def signed_in_board(chromium: Browser, site: Site, viewport: Any, phone: bool) -> Page:
    context = await new_context(chromium, viewport, phone=phone)
    page = await context.new_page()
    await answer_board(page)
    await page.goto(f"{site.url}/login?next=/wallboard")
    await sign_in(page, site.supervisor)
    await page.wait_for_url(f"{site.url}/wallboard")
    await expect(page.locator("#link")).to_have_text(re.compile("live"), timeout=15_000)
    return page


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_board_paints_what_the_supervisor_needs(
    site: Site, chromium: Browser, size: str
) -> None:
    page = await signed_in_board(
        chromium, site, DESKTOP if size == "desktop" else PHONE, size == "phone"
    )
    try:
        # The whole-centre longest wait is the oldest waiting caller's, running on (not 0 s).
        longest = page.locator("#centre .longest")
        await expect(longest).to_have_text(re.compile(r"^(3[4-9]|[4-9]\d) s$"))
        # Tiles in the IVR's order (centre.toml), not alphabetical nor the message's order.
        shown = await page.locator("#queues section.queue").evaluate_all(
            "els => els.map(e => e.dataset.queue)"
        )
        assert shown == IVR_ORDER
        # Pause reasons by name, never the code.
        paused = page.locator(f'section.queue[data-queue="{IVR_ORDER[0]}"] .agent-state.paused')
        await expect(paused).to_contain_text("พักรับประทานอาหาร · Meal 1")
        await expect(paused).not_to_contain_text("meal")
        # A "–" bar says why it has no figure.
        short = page.locator(f'section.queue[data-queue="{IVR_ORDER[2]}"]')
        await expect(short.locator(".bar.sl .v")).to_have_text("–")
        await expect(short.locator(".kpi-note")).to_be_visible()
        await expect(short.locator(".kpi-note")).to_contain_text("no calls counted")
        # Four queues' long waits are one banner; the critical one first; the snoozed gone.
        banners = page.locator("#alerts .alert[data-rule]")
        await expect(banners).to_have_count(2)
        await expect(banners.first).to_have_attribute("data-rule", "agents_short")
        waits = page.locator('#alerts .alert[data-rule="wait_long"]')
        await expect(waits).to_have_attribute("data-count", "4")
        await expect(waits.locator("li")).to_have_count(4)
        await expect(waits.locator("button.ack")).to_be_visible()
        await expect(waits.locator("button.snooze")).to_be_visible()
        await expect(page.locator("#alerts .alert.snoozed")).to_have_text(re.compile("1 snoozed"))
        width = await page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], f"the board is wider than the screen: {width}"
        await page.screenshot(path=f"/tmp/board-seen-{size}.png", full_page=True)
    finally:
        await page.context.close()


async def test_supervisor_acknowledges_and_snoozes_alert_groups(
    site: Site, chromium: Browser
) -> None:
    queues = IVR_ORDER[:2]

    async def firing(_now: float) -> list[rules.Alert]:
        rule = rules.Rule(rules.WAIT_LONG, 15)
        crit = rules.Rule(rules.AGENTS_SHORT, 1, severity="critical")
        out = []
        for name in queues:
            scope = rules.Scope(name, *LABELS[name], {"longest_wait_s": 40.0})
            out.append(rules.CHECKS[rules.WAIT_LONG](rule, scope))
        scope = rules.Scope(queues[0], *LABELS[queues[0]], {"waiting": 2, "agents": {}})
        out.append(rules.CHECKS[rules.AGENTS_SHORT](crit, scope))
        return [a for a in out if a is not None]

    site.app.state.services.alerts.add_check(firing)
    context = await new_context(chromium, DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(f"{site.url}/login?next=/wallboard")
        await sign_in(page, site.supervisor)
        await page.wait_for_url(f"{site.url}/wallboard")
        waits = page.locator('#alerts .alert[data-rule="wait_long"]')
        short = page.locator('#alerts .alert[data-rule="agents_short"]')
        await expect(waits).to_have_attribute("data-count", "2", timeout=15_000)
        await expect(short).to_contain_text("no agent available")
        await page.screenshot(path="/tmp/board-alerts-desktop.png", full_page=True)

        await waits.locator("button.ack").click()
        await expect(waits).to_have_class(re.compile("acked"), timeout=10_000)
        await expect(waits).to_contain_text(f"acknowledged by {site.supervisor}")
        await short.locator("button.snooze").click()
        await expect(short).to_have_count(0, timeout=10_000)
        await expect(page.locator("#alerts .alert.snoozed")).to_have_text(re.compile("1 snoozed"))

        trail = await page.evaluate("async () => (await fetch('/api/v1/alerts/actions')).json()")
        mine = {(r["alert_id"], r["action"]) for r in trail if r["username"] == site.supervisor}
        assert mine == {
            (f"wait_long:{queues[0]}", "acknowledge"),
            (f"wait_long:{queues[1]}", "acknowledge"),
            (f"agents_short:{queues[0]}", "snooze"),
        }
        # The history names the incidents and who acknowledged them.
        past = page.locator(f'#alert-history li[data-id="wait_long:{queues[0]}"]').first
        await expect(past).to_contain_text(f"acknowledged by {site.supervisor}", timeout=10_000)
        # A queue's own threshold, audited.
        cell = page.locator(f'#thresholds tr[data-scope="{queues[1]}"] input.t-wait_long')
        await expect(cell).to_have_value("15")
        await cell.fill("45")
        await cell.press("Tab")
        await expect(page.locator("#threshold-result")).to_contain_text("saved", timeout=10_000)
        await expect(cell).to_have_class(re.compile("changed"))
        await expect(cell).to_have_value("45")
        trail = await page.evaluate("async () => (await fetch('/api/v1/alerts/actions')).json()")
        changed = [
            r["text_en"] for r in trail
            if r["action"] == "threshold" and r["alert_id"] == f"wait_long:{queues[1]}"
        ]  # fmt: skip
        assert changed == ["15 -> 45"], changed
        assert site.app.state.services.alerts.thresholds[("wait_long", queues[1])] == 45.0
        await cell.fill("")  # back to the configured 15 s
        await cell.press("Tab")
        await expect(cell).not_to_have_class(re.compile("changed"), timeout=10_000)
        await expect(cell).to_have_value("15")
        phone = await new_context(chromium, PHONE, phone=True, state=await context.storage_state())
        try:
            p = await phone.new_page()
            await p.goto(f"{site.url}/wallboard")
            await expect(p.locator('#alerts .alert[data-rule="wait_long"]')).to_have_class(
                re.compile("acked"), timeout=15_000
            )
            await p.screenshot(path="/tmp/board-alerts-phone.png", full_page=True)
        finally:
            await phone.close()
    finally:
        await context.close()


async def test_charts_through_the_day_beside_last_week(site: Site, chromium: Browser) -> None:
    """Stored calls today and on the same weekday last week (placed inside today so far,
    whatever the time of day): the board's charts draw what GET /api/v1/live/charts says."""
    now = time.time()
    (start, _), (before, _) = live_charts.day_windows(now, "Asia/Bangkok")
    at = start + (now - start) / 2  # inside today so far, even just after midnight
    shop, law = IVR_ORDER[0], IVR_ORDER[3]
    tag = uuid.uuid4().hex[:6]

    def rec(n: int, when: float, queue: str, outcome: Outcome, wait: int) -> CallRecord:
        answered = outcome is Outcome.answered
        return CallRecord(
            call_id=f"ch-{tag}-{n}", linkedid=f"ch-{tag}-{n}", queue=queue, entered_at=when,
            outcome=outcome, wait_s=wait, talk_s=20 if answered else None,
            agent="agent07" if answered else None,
        )  # fmt: skip

    records = [
        rec(1, at, shop, Outcome.answered, 4),
        rec(2, at + 1, shop, Outcome.answered, 50),
        rec(3, at + 2, law, Outcome.abandoned, 40),
        rec(4, before + (at - start), shop, Outcome.answered, 2),
    ]
    async with site.app.state.services.sessions() as session, session.begin():
        await calls_service.upsert(session=session, records=records, source="ami")
    context = await new_context(chromium, DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(f"{site.url}/login?next=/wallboard")
        await sign_in(page, site.supervisor)
        await page.wait_for_url(f"{site.url}/wallboard")
        # The board must draw what the API answers, kpi-v1.1 figures
        # (tests/unit/test_wallboard_charts.py checks those against queue_metrics.kpi).
        data = await page.evaluate("async () => (await fetch('/api/v1/live/charts')).json()")
        assert data["definition"] == "kpi-v1.1"
        mine = [r for r in data["intervals"] if r["today"] and r["today"]["offered"]]
        assert sum(r["today"]["offered"] for r in mine) >= 3
        assert any(r["last_week"] for r in data["intervals"])
        volume = page.locator("#chart-volume svg rect.offered")
        await expect(volume).to_have_count(len(mine), timeout=15_000)
        offered = await volume.evaluate_all("els => els.map(e => Number(e.dataset.offered))")
        assert offered == [r["today"]["offered"] for r in mine]
        abandoned = await page.locator("#chart-volume svg rect.abandoned").evaluate_all(
            "els => els.map(e => Number(e.dataset.abandoned))"
        )  # the abandon in digital law among them
        assert abandoned == [r["today"]["abandoned"] for r in mine if r["today"]["abandoned"]]
        assert sum(abandoned) >= 1
        await expect(page.locator("#chart-volume svg polyline.last-week")).to_have_count(1)
        await expect(page.locator("#chart-sl svg line.target")).to_have_attribute(
            "data-target", "90"
        )
        dots = page.locator("#chart-sl svg circle.dot")
        with_sl = [
            r["today"]["sl_pct"]
            for r in data["intervals"]
            if r["today"] and r["today"]["sl_pct"] is not None
        ]
        await expect(dots).to_have_count(len(with_sl))
        shown = await dots.evaluate_all("els => els.map(e => Number(e.dataset.sl))")
        assert shown == with_sl
        missed = [v for v in with_sl if v < 90]
        await expect(page.locator("#chart-sl svg circle.dot.miss")).to_have_count(len(missed))
        lost = await page.locator("#chart-waits rect.lost").evaluate_all(
            "els => els.map(e => Number(e.dataset.lost))"
        )
        assert lost == [b["lost"] for b in data["waits"]] and sum(lost) >= 1
        await expect(page.locator("#chart-def")).to_contain_text("kpi-v1.1")
        # One queue: its own figures (our abandoned call of 40 s is counted in one of them).
        await page.locator("#chart-queue").select_option(law)
        law_data = await page.evaluate(
            f"async () => (await fetch('/api/v1/live/charts?queue={law}')).json()"
        )
        law_sl = [
            r["today"]["sl_pct"]
            for r in law_data["intervals"]
            if r["today"] and r["today"]["sl_pct"] is not None
        ]
        assert law_data["queue"] == law and law_sl
        law_dots = page.locator("#chart-sl svg circle.dot")
        await expect(law_dots).to_have_count(len(law_sl))
        drawn = await law_dots.evaluate_all("els => els.map(e => Number(e.dataset.sl))")
        assert drawn == law_sl
        await page.locator("#charts").screenshot(path="/tmp/board-charts-desktop.png")
        phone = await new_context(chromium, PHONE, phone=True, state=await context.storage_state())
        try:
            p = await phone.new_page()
            await p.goto(f"{site.url}/wallboard")
            await expect(p.locator("#chart-volume svg rect.offered")).to_have_count(
                len(mine), timeout=15_000
            )
            width = await p.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], width
            await p.locator("#charts").screenshot(path="/tmp/board-charts-phone.png")
        finally:
            await phone.close()
    finally:
        await context.close()


async def test_callbacks_panel_time_left_cancel_with_reason_and_history(
    site: Site, chromium: Browser
) -> None:
    now = datetime.now(UTC)
    async with site.app.state.services.sessions() as session, session.begin():
        due = CallbackTask(
            number="0869000111", callable=True, queue=IVR_ORDER[0], state="pending",
            dropped_at=now - timedelta(minutes=5), deadline_at=now + timedelta(minutes=25),
            due_at=now + timedelta(minutes=20), attempts=0, drops=1,
        )  # fmt: skip
        done = CallbackTask(
            number="0869000222", callable=True, queue=IVR_ORDER[1], state="reached",
            outcome="reached", dropped_at=now - timedelta(minutes=50),
            deadline_at=now - timedelta(minutes=20), attempts=1, drops=1,
            closed_at=now - timedelta(minutes=40),
        )  # fmt: skip
        session.add_all([due, done])
        await session.flush()
        session.add(
            CallbackEvent(task_id=done.id, at=now - timedelta(minutes=41), kind="dialed",
                          state="dialing", attempt=1, detail="agent07")
        )  # fmt: skip
        due_id, done_id = due.id, done.id
    context = await new_context(chromium, DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(f"{site.url}/login?next=/wallboard")
        await sign_in(page, site.supervisor)
        await page.wait_for_url(f"{site.url}/wallboard")
        row = page.locator(f'#cb-open tr[data-task="{due_id}"]')
        await expect(row).to_be_visible(timeout=15_000)
        await expect(row).to_contain_text("******0111")
        await expect(row).not_to_contain_text("0869000111")
        await expect(row.locator(".cb-left")).to_have_text(re.compile(r"^เหลือ · left 2[45]:\d\d$"))
        past = page.locator(f'#cb-history details[data-task="{done_id}"]')
        await expect(past).to_contain_text("reached")
        await past.locator("summary").click()
        await expect(past.locator("li")).to_contain_text(["dialed → dialing · agent07"])
        await page.locator("#cb-panel").screenshot(path="/tmp/board-callbacks-desktop.png")

        await row.locator("button.cb-cancel").click()  # no reason: refused on the page
        await expect(page.locator("#cb-result")).to_contain_text("give a reason")
        await row.locator("select.cb-agent").select_option("")  # back to any agent of the queue
        await row.locator("input.cb-reason").fill("regular agent is off today")
        await row.locator("button.cb-assign").click()
        await expect(page.locator("#cb-result")).to_contain_text(f"assigned #{due_id} → any agent")
        await row.locator("input.cb-reason").fill("caller asked by e-mail")
        await row.locator("button.cb-cancel").click()
        await expect(row).to_have_count(0, timeout=10_000)
        cancelled = page.locator(f'#cb-history details[data-task="{due_id}"]')
        await expect(cancelled).to_have_attribute("data-state", "cancelled")
        await expect(cancelled).to_contain_text("caller asked by e-mail")
        await cancelled.locator("summary").click()
        await expect(cancelled.locator("li").nth(-2)).to_contain_text(
            f"assigned → pending · {site.supervisor}: any agent of the queue: regular agent"
        )
        await expect(cancelled.locator("li").last).to_contain_text(
            f"{site.supervisor}: caller asked by e-mail"
        )
        phone = await new_context(chromium, PHONE, phone=True, state=await context.storage_state())
        try:
            p = await phone.new_page()
            await p.goto(f"{site.url}/wallboard")
            await expect(p.locator(f'#cb-history details[data-task="{due_id}"]')).to_be_visible(
                timeout=15_000
            )
            width = await p.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], width
            await p.locator("#cb-panel").screenshot(path="/tmp/board-callbacks-phone.png")
        finally:
            await phone.close()
    finally:
        await context.close()


async def test_tv_mode_large_figures_no_controls_rotating_queues(
    site: Site, chromium: Browser
) -> None:
    context = await chromium.new_context(
        viewport={"width": 1920, "height": 1080}, locale="th-TH", timezone_id="Asia/Bangkok"
    )
    try:
        page = await context.new_page()
        await page.goto(f"{site.url}/login?next=/wallboard")
        await sign_in(page, site.supervisor)
        await page.wait_for_url(f"{site.url}/wallboard")
        await page.goto(f"{site.url}/wallboard?tv=1&rotate=2")
        await expect(page.locator("#link")).to_have_text(re.compile("live"), timeout=15_000)
        visible = page.locator("#queues section.queue:visible")
        await expect(visible).to_have_count(1, timeout=10_000)
        first = await visible.get_attribute("data-queue")
        await expect(page.locator("body")).not_to_have_attribute(
            "data-tv-queue", first or "", timeout=10_000
        )
        second = await page.locator("#queues section.queue:visible").get_attribute("data-queue")
        assert first in IVR_ORDER and second in IVR_ORDER and first != second
        # the next in the IVR's order
        assert IVR_ORDER.index(second) == (IVR_ORDER.index(first) + 1) % len(IVR_ORDER)
        await expect(page.locator("button:visible, select:visible, input:visible")).to_have_count(0)
        size = await page.locator("#centre .big b").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 64, size
        await page.screenshot(path="/tmp/board-tv.png")
    finally:
        await context.close()
