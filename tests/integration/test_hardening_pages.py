"""The login page in a real browser: its script runs under the page's CSP, and `next`
sends the user to a path on this site only (no open redirect)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from callcenter.users.models import Role
from tests.integration import browser as web
from tests.integration.users_support import PASSWORD, person

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

FOREIGN = ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "javascript:alert(1)"]


async def test_login_next_stays_on_this_site(app: FastAPI, client: httpx.AsyncClient) -> None:
    supervisor = await person(app, client, Role.supervisor)
    async with web.serve(app) as url, web.chromium() as browser:
        violations: list[str] = []
        for target in [*FOREIGN, "/qa?x=1"]:
            context = await browser.new_context()
            page = await context.new_page()
            page.on(
                "console",
                lambda m: violations.append(m.text) if "Content Security" in m.text else None,
            )
            # A foreign host would not resolve: block every request leaving this site.
            await page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(url) else route.abort()
                ),
            )
            await page.goto(f"{url}/login?next={target}")
            await page.locator("#username").fill(supervisor.username)
            await page.locator("#password").fill(PASSWORD)
            await page.locator("#submit").click()
            expected = f"{url}/qa?x=1" if target.startswith("/qa") else f"{url}/wallboard"
            await page.wait_for_url(expected, timeout=10_000)
            await context.close()
        assert violations == []
