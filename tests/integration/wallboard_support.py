"""Helpers of the wallboard browser tests: the served site with its users, a Bangkok browser
context, signing in, one simulated call."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from callcenter.config import Settings
from callcenter.simulate.spec import Distribution, RunSpec
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from tests.integration import browser as web
from tests.integration.conftest import own_database

QUEUE = "digital-law"
PASSWORD = "correct-horse-1"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)


@dataclass(frozen=True)
class Site:
    url: str
    app: FastAPI
    supervisor: str
    agent: str


@asynccontextmanager
async def board_site(settings: Settings, prefix: str) -> AsyncIterator[Site]:
    """The real app (lifespan: AMI, ARI, DB writers, board) on a database of its own (only
    this module's service instance writes into it), served by uvicorn, with two users."""
    with own_database(settings, prefix) as own:
        async with web.live_site(own) as (url, app):
            tag = uuid.uuid4().hex[:6]
            supervisor = await add_user(app, f"sup-{tag}", Role.supervisor)
            agent = await add_user(app, f"agent-{tag}", Role.agent)
            yield Site(url=url, app=app, supervisor=supervisor, agent=agent)


async def add_user(app: FastAPI, username: str, role: Role) -> str:
    async with app.state.services.sessions() as session, session.begin():
        user_in = UserCreate(username=username, password=PASSWORD, role=role)
        await user_service.create(session=session, user_in=user_in)
    return username


async def sign_in(page: Page, username: str) -> None:
    """Type the credentials into the /login form and submit it."""
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()


def one_call(*, ring_s: int, talk_s: int) -> RunSpec:
    """One caller into QUEUE with one simulated agent who rings `ring_s` before answering."""
    return RunSpec(
        calls=1, rate=None, queue=QUEUE, agents=1, seed=1,
        patience=Distribution.parse("30", name="patience"),
        ring=Distribution.parse(str(ring_s), name="ring"),
        talk=Distribution.parse(str(talk_s), name="talk"),
    )  # fmt: skip


async def new_context(
    browser: Browser, viewport: ViewportSize, *, phone: bool = False, state: Any = None
) -> BrowserContext:
    """A fresh, isolated session (cookies and storage) as a Thai user in Bangkok sees it."""
    return await browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=2 if phone else 1,
        locale="th-TH", timezone_id="Asia/Bangkok", storage_state=state,
    )  # fmt: skip


async def wait_live(page: Page) -> None:
    """The websocket is open and its snapshot has painted the queue cards."""
    await expect(page.locator("#link")).to_have_text(re.compile("live"), timeout=15_000)
    await expect(page.locator("#definition")).to_have_text("kpi-v1.1")
    await expect(queue_card(page)).to_be_visible(timeout=15_000)


def queue_card(page: Page, queue: str = QUEUE) -> Locator:
    return page.locator(f'section.queue[data-queue="{queue}"]')
