"""`callcenter demo` in a compressed day, watched on the wallboard in a real browser: the
centre's agents are logged in (at least 30 of the 39 simulated ones), calls flow into the
queues, and dropped callers are called back and reached (the service dials the
simulated customers of the `demo-customers` context).

Screenshots of the board during the demo (desktop and phone) go to /tmp/demo-wallboard-*.png.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import re
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page
from sqlalchemy import func, select

from callcenter import centre
from callcenter.callbacks.models import CallbackTask, State
from callcenter.config import Settings
from callcenter.simulate.demo import Demo, DemoOptions
from callcenter.simulate.spec import Distribution
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration import browser as web
from tests.integration.conftest import own_database
from tests.integration.wallboard_support import (
    DESKTOP,
    PHONE,
    add_user,
    new_context,
    sign_in,
    wait_live,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

# A day of 3 minutes with short talks: the peaks fill the queues within seconds (callers
# give up and are owed a callback), the lunch dip frees agents to call them back.
COMPRESSED = DemoOptions(
    day_s=180, load=1.3, report_s=30,
    talk=Distribution("exp", 15), patience=Distribution("uniform", 6, 40),
)  # fmt: skip


@pytest.fixture(scope="module")
def demo_db(settings: Settings) -> Iterator[Settings]:
    """A database of its own; the service dials callbacks to the simulated customers."""
    with own_database(settings, "callcenter_demo") as own:
        yield own.model_copy(update={"callback_out_context": "demo-customers"})


@pytest.fixture(scope="module")
async def site(demo_db: Settings) -> AsyncIterator[tuple[str, FastAPI]]:
    async with web.live_site(demo_db) as served:
        yield served


def logged_in(texts: list[str]) -> int:
    """Agents in any state but logged out, from the centre card's state chips."""
    total = 0
    for text in texts:
        if "logged out" not in text:
            total += int(re.search(r":\s*(\d+)", text).group(1))  # type: ignore[union-attr]
    return total


async def agents_on_board(page: Page) -> int:
    return logged_in(await page.locator("#centre .agent-state").all_inner_texts())


async def test_the_demo_shows_the_centre_at_work(
    site: tuple[str, FastAPI], demo_db: Settings
) -> None:
    url, app = site
    supervisor = await add_user(app, f"sup-{uuid.uuid4().hex[:6]}", Role.supervisor)
    layout = centre.load(demo_db.conf_dir)
    lines: list[str] = []
    # A seed of its own: earlier runs' callers (today's queue_log) have other numbers.
    opts = dataclasses.replace(COMPRESSED, seed=random.randrange(1, 10**9))
    demo = Demo(demo_db, layout, opts, lines.append)
    try:
        async with web.chromium() as browser:
            await watch(browser, url, supervisor, demo, app)
    finally:  # the calls the demo hung up leave recordings: this service takes them
        await drained(app, demo_db, demo)
    assert demo.cases.filed >= 1, lines  # agents filed cases for some of their calls
    assert "demo stopped: its calls hung up, its agents logged out" in lines


def left_in_spool(settings: Settings, demo: Demo) -> list[str]:
    ids = {f"{s.plan.call_id}-net" for s in demo.sim.states} if demo.sim else set()
    # A marker with neither sidecar nor audio holds no recording (the spool drops such lone
    # markers after LONE_MARKER_S); seen once in a full run: not a recording left behind.
    return [
        p.name
        for p in settings.spool_path.glob("*.done")
        if p.stem in ids and any(s.suffix != ".done" for s in p.parent.glob(f"{p.stem}.*"))
    ]


async def drained(app: FastAPI, settings: Settings, demo: Demo) -> None:
    """Every recording of the demo's calls left the spool; if not, say what stayed and why."""
    try:
        await poll(lambda: not left_in_spool(settings, demo), timeout_s=180, what="spool drained")
    except AssertionError:
        left = left_in_spool(settings, demo)
        files = {n: sorted(p.suffix for p in settings.spool_path.glob(f"{n[:-5]}.*")) for n in left}
        uploader = app.state.services.uploader
        state = (uploader.failures, uploader.last_error) if uploader else "no uploader"
        raise AssertionError(f"{len(left)} left in the spool: {files}; uploader {state}") from None


async def reached_demo_callers(app: FastAPI, demo: Demo) -> int:
    """Callback tasks reached whose number is one of the demo's callers (not other tests')."""
    callers = {s.plan.caller for s in demo.sim.states} if demo.sim else set()
    async with app.state.services.sessions() as session:
        numbers = await session.scalars(
            select(CallbackTask.number).where(CallbackTask.state == State.reached)
        )
        return len(set(numbers) & callers)


async def callbacks_trail(app: FastAPI) -> str:
    """The demo database's callback tasks by state, and why the dialer waits (if it does)."""
    async with app.state.services.sessions() as session:
        rows = (
            await session.execute(
                select(CallbackTask.state, CallbackTask.outcome, func.count()).group_by(
                    CallbackTask.state, CallbackTask.outcome
                )
            )
        ).all()
    dialer = app.state.services.callbacks.dialer
    waiting = "no dialer" if dialer is None else dict(list(dialer.waiting.items())[:5])
    return f"tasks {[tuple(r) for r in rows]}; dialer waiting {waiting}"


async def watch(browser: Browser, url: str, supervisor: str, demo: Demo, app: FastAPI) -> None:
    context = await new_context(browser, DESKTOP)
    running: asyncio.Task[None] | None = None
    try:
        page = await context.new_page()
        await page.goto(f"{url}/login?next=/wallboard")
        await sign_in(page, supervisor)
        await page.wait_for_url(f"{url}/wallboard")
        await wait_live(page)
        pill = page.locator("#callbacks")
        before = int(await pill.get_attribute("data-reached") or 0)
        running = asyncio.create_task(demo.run())

        async def agents() -> int | None:
            assert not running.done(), running  # the demo failed: say why
            n = await agents_on_board(page)
            return n if n >= 30 else None

        await poll(agents, timeout_s=60, interval_s=1, what="30 agents logged in")

        async def reached() -> bool:
            assert not running.done(), running
            shown = int(await pill.get_attribute("data-reached") or 0)
            return shown > before and await reached_demo_callers(app, demo) >= 1

        try:
            await poll(reached, timeout_s=240, interval_s=2, what="a demo caller called back")
        except AssertionError as late:  # once in CI: say what the callbacks were doing
            raise AssertionError(f"{late}; {await callbacks_trail(app)}") from None
        await poll(lambda: demo.cases.filed, timeout_s=60, what="a case filed")
        assert await agents_on_board(page) >= 30  # still logged in, hours into the demo day
        await page.screenshot(path="/tmp/demo-wallboard-desktop.png", full_page=True)
        phone = await new_context(browser, PHONE, phone=True, state=await context.storage_state())
        try:
            small = await phone.new_page()
            await small.goto(f"{url}/wallboard")
            await wait_live(small)
            await small.screenshot(path="/tmp/demo-wallboard-phone.png", full_page=True)
        finally:
            await phone.close()
    finally:
        if running is not None:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        await context.close()
