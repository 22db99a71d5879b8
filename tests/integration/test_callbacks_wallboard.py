"""The wallboard shows open callbacks, the oldest one's age, and turns red near the deadline."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from callcenter.config import get_settings
from callcenter.main import create_app
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from tests.helpers import poll
from tests.integration import browser as web
from tests.integration.callbacks_helpers import FAST, drop, number, task_of
from tests.integration.conftest import own_database

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason="Debian chromium not installed"),
]
PASSWORD = "callback-board-1"


@pytest.fixture(scope="module")
async def site(stack_status: dict[str, dict[str, object]]) -> AsyncIterator[tuple[str, object]]:
    # Not dialled (no outgoing context), and any open callback is "near its deadline".
    update = {**FAST, "callback_out_context": "", "callback_soon_s": 3600.0}
    with own_database(get_settings().model_copy(update=update), "callcenter_cbweb") as settings:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await poll(lambda: app.state.services.ami.connected, timeout_s=20, what="AMI connected")
            async with app.state.services.sessions() as session, session.begin():
                user = UserCreate(username=f"sup-{uuid.uuid4().hex[:6]}", password=PASSWORD,
                                  role=Role.supervisor)  # fmt: skip
                await user_service.create(session=session, user_in=user)
            async with web.serve(app) as url:
                yield url, (app, user.username)


async def test_open_callback_is_counted_and_marked_red(site: tuple[str, object]) -> None:
    url, (app, username) = site  # type: ignore[misc]
    async with web.chromium() as chromium:
        page = await chromium.new_page()
        await page.goto(f"{url}/login?next=/wallboard")
        await page.locator("#username").fill(username)
        await page.locator("#password").fill(PASSWORD)
        await page.locator("#submit").click()
        pill = page.locator("#callbacks")
        await expect(pill).to_have_text(re.compile("callbacks open 0"), timeout=15_000)
        caller = number("0")
        await drop(app, caller)
        await poll(lambda: task_of(app, caller), timeout_s=15, what="task")
        await expect(pill).to_have_text(re.compile("callbacks open 1"), timeout=15_000)
        await expect(pill).to_have_text(re.compile("โทรกลับค้าง.*ใกล้ครบกำหนด"))
        await expect(pill).to_have_class(re.compile("bad"))
