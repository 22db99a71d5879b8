"""/cases: a supervisor finds every agent's cases (search, status, follow-ups due, paging) and
opens one; agents are sent to their own on the desk (403 here); desktop and a 390 px phone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import expect

from callcenter.users.models import Role
from tests.integration import browser as web
from tests.integration.cases_support import case_body
from tests.integration.users_support import PASSWORD, person

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]


@pytest.mark.parametrize("size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
async def test_a_supervisor_finds_any_agents_case_and_opens_it(
    app: FastAPI, client: httpx.AsyncClient, size: dict[str, int]
) -> None:
    tag = uuid.uuid4().hex[:8]
    filed = []
    for n in range(2):  # two agents' cases, one with a follow-up already due
        agent = await person(app, client, Role.agent)
        due = (datetime.now(UTC) - timedelta(hours=1)).isoformat() if n == 1 else None
        body = case_body(shop_name=f"shop-{tag}", description=f"ไม่ได้รับสินค้า {tag} case {n}",
                         **({"follow_up_at": due} if due else {}))  # fmt: skip
        r = await client.post("/api/v1/cases", json=body, headers=agent.headers)
        assert r.status_code == 201, r.text
        filed.append(r.json())
    supervisor = await person(app, client, Role.supervisor)
    agent = await person(app, client, Role.agent)
    async with web.serve(app) as url, web.chromium() as browser:
        context = await browser.new_context(viewport=size)  # type: ignore[arg-type]
        page = await context.new_page()
        await page.goto(f"{url}/login?next=/cases")
        await page.locator("#username").fill(supervisor.username)
        await page.locator("#password").fill(PASSWORD)
        await page.locator("#submit").click()
        await page.wait_for_url(f"{url}/cases")
        await page.locator("#search input[name=q]").fill(tag)
        await page.locator("#search button[type=submit]").click()
        await expect(page.locator("#found")).to_have_text("พบ 2 เรื่อง · 2 found")
        rows = page.locator("#results tr[data-id]")
        await expect(rows).to_have_count(2)
        await page.locator("#search input[name=follow_up_due]").check()
        await page.locator("#search button[type=submit]").click()
        await expect(page.locator("#found")).to_have_text("พบ 1 เรื่อง · 1 found")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_have_class("due")
        await rows.first.click()
        detail = page.locator("#detail")
        await expect(detail).to_contain_text(filed[1]["number"])
        await expect(detail).to_contain_text("case 1")
        await expect(detail).to_contain_text(filed[1]["caller_phone"])  # supervisors see it
        width = await page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
        await page.screenshot(path=f"/tmp/cases-page-{size['width']}.png", full_page=True)
        await context.close()

        other = await browser.new_context(viewport=size)  # type: ignore[arg-type]
        page = await other.new_page()
        await page.goto(f"{url}/login?next=/cases")
        await page.locator("#username").fill(agent.username)
        await page.locator("#password").fill(PASSWORD)
        await page.locator("#submit").click()
        await page.wait_for_url(f"{url}/cases")
        response = await page.reload()
        assert response is not None and response.status == 403
        await other.close()
