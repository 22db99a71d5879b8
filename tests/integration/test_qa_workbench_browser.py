"""The QA workbench in a real browser (Playwright, Debian's Chromium), desktop and 390 px phone:
paging with a true total, lists and names instead of ids, the centre's clock, an empty form."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Page, ViewportSize, expect

from callcenter.ami.models import AmiEvent
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.users.models import Role
from tests.integration import browser as web
from tests.integration.qa_support import (
    PASSWORD,
    add_user,
    catalogue_rows,
    headers_for,
    unique_agent,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]

PHONE = ViewportSize(width=390, height=844)


@pytest.fixture(scope="module")
async def site(app: FastAPI) -> AsyncIterator[str]:
    async with web.serve(app) as url:
        yield url


async def sign_in(page: Page, url: str, username: str) -> None:
    await page.goto(f"{url}/login?next=/qa")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await page.wait_for_url(f"{url}/qa")


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_qa_pages_through_every_row_by_names_from_lists(
    app: FastAPI, site: str, size: str
) -> None:
    agent = unique_agent()
    number = agent.rsplit("-", 1)[1]
    rows = await catalogue_rows(app, n=120, agent=agent, queue="cyber-threats")
    qa_user = await add_user(app, Role.qa)
    async with web.chromium() as browser:
        options = (
            {"viewport": PHONE, "is_mobile": True, "has_touch": True} if size == "phone" else {}
        )
        context = await browser.new_context(locale="th-TH", **options)  # type: ignore[arg-type]
        page = await context.new_page()
        await sign_in(page, site, qa_user)
        # Queue and agent are picked from lists of names, not typed as ids.
        queue = page.locator('#search select[name="queue"]')
        await expect(
            queue.locator("option", has_text="ภัยคุกคามไซเบอร์ · Cyber threats")
        ).to_have_count(1)
        await queue.select_option("cyber-threats")
        await page.locator('#search select[name="agent"]').select_option(agent)
        await page.locator("#find").click()

        await expect(page.locator("#status")).to_contain_text("120 found")  # the true total
        await expect(page.locator("#page-info")).to_contain_text("1–50")
        await expect(page.locator("#results tbody tr")).to_have_count(50)
        first = page.locator(f'#results tr[data-id="{rows[0].id}"]')
        await expect(first).to_contain_text("ภัยคุกคามไซเบอร์ · Cyber threats")
        await expect(first).to_contain_text(f"Sim agent {number}")
        await expect(first).not_to_contain_text("cyber-threats")
        await expect(first).not_to_contain_text(agent)
        assert await page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 1
        await page.screenshot(path=f"/tmp/qa-paging-{size}.png", full_page=size == "desktop")

        await page.locator("#next").click()
        await expect(page.locator("#page-info")).to_contain_text("51–100")
        await page.locator("#next").click()
        await expect(page.locator("#page-info")).to_contain_text("101–120")
        await expect(page.locator("#results tbody tr")).to_have_count(20)
        await expect(page.locator(f'#results tr[data-id="{rows[-1].id}"]')).to_be_visible()
        await expect(page.locator("#next")).to_be_disabled()
        await page.locator("#prev").click()
        await expect(page.locator("#page-info")).to_contain_text("51–100")
        await context.close()


async def test_times_are_the_centres_and_the_form_starts_empty(app: FastAPI, site: str) -> None:
    agent = unique_agent()
    # A call at 19:49 in Bangkok (12:49 UTC): a phone in another zone showed 12:49.
    (row,) = await catalogue_rows(
        app, n=1, agent=agent, newest=datetime(2026, 12, 7, 12, 49, 5, tzinfo=UTC)
    )
    qa_user = await add_user(app, Role.qa)
    async with web.chromium() as browser:
        context = await browser.new_context(locale="th-TH", timezone_id="Europe/London")
        page = await context.new_page()
        await sign_in(page, site, qa_user)
        await expect(page.locator("#tz-note")).to_contain_text("Asia/Bangkok")
        await page.locator('#search select[name="agent"]').select_option(agent)
        await page.locator("#find").click()
        found = page.locator(f'#results tr[data-id="{row.id}"]')
        await expect(found).to_contain_text("19:49:05")
        await expect(found).not_to_contain_text("12:49:05")

        # The date filter is the centre's wall clock too: 19:49-19:50 Bangkok finds the call.
        await page.locator('#search input[name="from"]').fill("2026-12-07T19:49")
        await page.locator('#search input[name="to"]').fill("2026-12-07T19:50")
        await page.locator("#find").click()
        await expect(page.locator("#status")).to_contain_text("1 found")
        await expect(found).to_be_visible()

        await found.locator("button.open").click()
        await expect(page.locator("#criteria input").first).to_be_visible()
        values = await page.locator("#criteria input").evaluate_all("els => els.map(e => e.value)")
        assert values and all(v == "" for v in values)  # nothing pre-filled with 100
        await expect(page.locator("#total")).to_have_text("–")
        await expect(page.locator("#reason-row")).to_be_hidden()  # no score yet to supersede
        await context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_a_critical_fail_scores_the_call_zero(app: FastAPI, site: str, size: str) -> None:
    agent = unique_agent()
    (row,) = await catalogue_rows(app, n=1, agent=agent)
    qa_user = await add_user(app, Role.qa)
    async with web.chromium() as browser:
        options = (
            {"viewport": PHONE, "is_mobile": True, "has_touch": True} if size == "phone" else {}
        )
        context = await browser.new_context(locale="th-TH", **options)  # type: ignore[arg-type]
        page = await context.new_page()
        await sign_in(page, site, qa_user)
        await page.locator('#search select[name="agent"]').select_option(agent)
        await page.locator("#find").click()
        await page.locator(f'#results tr[data-id="{row.id}"] button.open').click()
        await page.locator("#form-pick").select_option(label="1212 call review (v1)")
        legends = page.locator("#criteria legend")
        await expect(legends).to_have_text(
            ["การเปิดสาย · Opening", "การรับเรื่อง · Handling", "การปิดสาย · Closing"]
        )
        critical = page.locator('#criteria .criterion.critical[data-key="privacy"]')
        await expect(critical).to_contain_text("ข้อวิกฤต · critical")

        score = page.locator("#score")
        for key, value in (("greeting", "1"), ("privacy", "1"), ("understanding", "5"),
                           ("accuracy", "4"), ("courtesy", "5")):  # fmt: skip
            await score.locator(f'select[name="{key}"]').select_option(value)
        await score.locator('input[name="next_steps"]').fill("100")
        await expect(page.locator("#total")).to_have_text("–")  # two items still unrated
        await score.locator('input[name="na_case_logged"]').check()  # N/A: out of the weight
        await score.locator('input[name="na_hold_etiquette"]').check()
        # accuracy 4 of 1–5 is 75 points × 3 of the 13 rated weight: 100 − 75/13 = 94.23
        await expect(page.locator("#total")).to_have_text("94.23")
        await expect(page.locator("#critical-note")).to_be_hidden()

        await score.locator('select[name="privacy"]').select_option("0")
        await expect(page.locator("#total")).to_have_text("0")
        await expect(page.locator("#critical-note")).to_be_visible()
        await score.locator('input[name="note_privacy"]').fill(
            "อ่านเลขบัตรให้ผู้โทรอื่นฟัง · read an ID out"
        )
        if size == "phone":
            assert await page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 1
        await page.locator("#score").screenshot(path=f"/tmp/qa-critical-form-{size}.png")
        await page.locator("#submit-score").click()
        await expect(page.locator("#score-result")).to_contain_text("submitted: 0 / 100")
        await expect(page.locator("#score-result")).to_contain_text("critical fail")
        done = page.locator("#evaluations > li")
        await expect(done).to_have_count(1)
        await expect(done).to_contain_text("1212 call review v1")
        await expect(page.locator(f'#results tr[data-id="{row.id}"]')).to_contain_text(
            "0 / 100 ⚠ ไม่ผ่านข้อวิกฤต · critical fail"
        )
        await expect(done).to_contain_text("verifying the caller: อ่านเลขบัตรให้ผู้โทรอื่นฟัง")
        await page.locator("#detail").screenshot(path=f"/tmp/qa-critical-{size}.png")
        await context.close()


async def sign_in_at(page: Page, url: str, username: str, path: str) -> None:
    await page.goto(f"{url}/login?next={path}")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#submit").click()
    await page.wait_for_url(f"{url}{path}")


async def score(
    client: httpx.AsyncClient, headers: dict[str, str], recording_id: int, ratings: dict[str, Any]
) -> int:
    forms = (await client.get("/api/v1/qa/forms", headers=headers)).json()
    (form,) = [f for f in forms if f["name"] == "1212 call review"]
    done = await client.post(
        f"/api/v1/recordings/{recording_id}/evaluations",
        json={"form_id": form["id"], "ratings": ratings, "item_comments": {"accuracy": "ok"}},
        headers=headers,
    )
    assert done.status_code == 201, done.text
    return int(done.json()["id"])


GOOD = {"greeting": 1, "privacy": 1, "understanding": 5, "accuracy": 4, "case_logged": None,
        "hold_etiquette": None, "courtesy": 5, "next_steps": 100}  # fmt: skip


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_an_agent_acknowledges_one_evaluation_and_disputes_another(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, site: str, size: str
) -> None:
    agent = unique_agent()
    first, second = await catalogue_rows(app, n=2, agent=agent)
    qa = await headers_for(app, settings, Role.qa)
    ids = [await score(client, qa, first.id, GOOD),
           await score(client, qa, second.id, {**GOOD, "privacy": 0})]  # fmt: skip
    await add_user(app, Role.agent, username=agent)
    async with web.chromium() as browser:
        options = (
            {"viewport": PHONE, "is_mobile": True, "has_touch": True} if size == "phone" else {}
        )
        context = await browser.new_context(locale="th-TH", **options)  # type: ignore[arg-type]
        page = await context.new_page()
        await sign_in_at(page, site, agent, "/qa/mine")
        cards = page.locator("#mine article.evaluation")
        await expect(cards).to_have_count(2)
        failed = page.locator(f'article[data-id="{ids[1]}"]')
        await expect(failed).to_contain_text("0 / 100 ⚠ ไม่ผ่านข้อวิกฤต · critical fail")
        await expect(failed.locator("tr.failed")).to_contain_text("ไม่ · no")
        await expect(failed).to_contain_text("ไม่เกี่ยวข้อง · N/A")  # N/A items say so
        await expect(failed).to_contain_text("1212 call review v1")

        await failed.locator("button.dispute").click()
        await failed.locator("button.send").click()
        await expect(failed.locator(".result")).to_contain_text("a reason is needed")
        await failed.locator("textarea").fill("ผู้โทรยืนยันตัวแล้ว · the caller was verified")
        await failed.locator("button.send").click()
        await expect(failed.locator(".response.dispute")).to_contain_text("the caller was verified")
        good = page.locator(f'article[data-id="{ids[0]}"]')
        await good.locator("button.ack").click()
        await expect(good.locator(".response.acknowledge")).to_contain_text("you acknowledged")
        if size == "phone":
            assert await page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 1
        await page.screenshot(path=f"/tmp/qa-mine-{size}.png", full_page=True)

        await page.reload()  # kept: no buttons any more
        await expect(page.locator("#mine button.ack")).to_have_count(0)
        await expect(page.locator(".response")).to_have_count(2)
        await context.close()

    async with web.chromium() as browser:  # the page is the agents' own
        context = await browser.new_context()
        page = await context.new_page()
        qa_user = await add_user(app, Role.qa)
        await page.goto(f"{site}/login?next=/qa/mine")
        await page.locator("#username").fill(qa_user)
        await page.locator("#password").fill(PASSWORD)
        await page.locator("#submit").click()
        await expect(page.locator("#forbidden")).to_contain_text("it needs the agent role")
        await context.close()

    # The auditor sees the dispute next to the evaluation.
    seen = await client.get(f"/api/v1/recordings/{second.id}/evaluations", headers=qa)
    assert seen.json()[0]["response"]["action"] == "dispute"


async def test_a_supervisor_compares_two_auditors_and_sees_hold_markers(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, site: str
) -> None:
    agent = unique_agent()
    (row,) = await catalogue_rows(app, n=1, agent=agent, duration_s=120)
    await score(client, await headers_for(app, settings, Role.qa), row.id, GOOD)
    await score(client, await headers_for(app, settings, Role.qa), row.id, {**GOOD, "accuracy": 2})
    async with transaction(app.state.services.sessions) as session:
        for name, seconds in (("Hold", 20), ("Unhold", 35)):
            session.add(AmiEvent(
                dedup_key=uuid.uuid4().hex, event=name, linkedid=row.linkedid,
                event_ts=row.started_at + timedelta(seconds=seconds),
                headers={"Event": name, "Linkedid": row.linkedid},
            ))  # fmt: skip
    supervisor = await add_user(app, Role.supervisor)
    async with web.chromium() as browser:
        context = await browser.new_context(locale="th-TH")
        page = await context.new_page()
        await sign_in(page, site, supervisor)
        await page.locator('#search select[name="agent"]').select_option(agent)
        await page.locator("#find").click()
        await page.locator(f'#results tr[data-id="{row.id}"] button.open').click()
        await expect(page.locator("#markers button")).to_have_text(
            ["0:20 พักสาย · hold", "0:35 กลับมาคุย · off hold"]
        )
        table = page.locator("#calibration-table")
        await expect(page.locator("#calibration")).to_be_visible()
        # accuracy 4 vs 2 of 1–5: 75 vs 25 points
        await expect(table.locator('tr[data-key="accuracy"] td')).to_have_text(
            ["ให้ข้อมูลถูกต้อง · Correct information", "75", "25", "50"]
        )
        await expect(table.locator('tr[data-key="case_logged"] td')).to_have_text(
            ["บันทึกเรื่องร้องเรียน · Logged the complaint as a case", "N/A", "N/A", "–"]
        )
        await expect(page.locator("#calibration-note")).to_contain_text("total difference")
        await page.locator("#detail").screenshot(path="/tmp/qa-calibration-desktop.png")
        await context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_qa_writes_a_form_and_its_next_version(app: FastAPI, site: str, size: str) -> None:
    qa_user = await add_user(app, Role.qa)
    name = f"แบบทดสอบ {uuid.uuid4().hex[:6]}"
    async with web.chromium() as browser:
        options = (
            {"viewport": PHONE, "is_mobile": True, "has_touch": True} if size == "phone" else {}
        )
        context = await browser.new_context(locale="th-TH", **options)  # type: ignore[arg-type]
        page = await context.new_page()
        await sign_in(page, site, qa_user)
        await page.locator("#forms-editor summary").click()
        await page.locator("#edit-name").fill(name)
        await page.locator("#edit-add").click()
        items = page.locator("#edit-items .edit-item")
        await expect(items).to_have_count(2)
        for i, (key, th, en, section, scale, critical) in enumerate(
            [("verify", "ยืนยันตัวตน", "Verified identity", "Opening", "yes_no", True),
             ("tone", "น้ำเสียง", "Tone", "Closing", "1-5", False)]
        ):  # fmt: skip
            item = items.nth(i)
            await item.locator('[name="key"]').fill(key)
            await item.locator('[name="label_th"]').fill(th)
            await item.locator('[name="label_en"]').fill(en)
            await item.locator('[name="section_en"]').fill(section)
            await item.locator('[name="weight"]').fill("2")
            await item.locator('[name="scale"]').select_option(scale)
            if critical:
                await item.locator('[name="critical"]').check()
        if size == "phone":
            assert await page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 1
        await page.locator("#forms-editor").screenshot(path=f"/tmp/qa-form-editor-{size}.png")
        await page.locator("#edit-save").click()
        await expect(page.locator("#edit-result")).to_contain_text(f"saved: {name} v1")

        # The next version: one more item, N/A allowed.
        await page.locator("#edit-add").click()
        new = items.nth(2)
        for field, value in (("key", "hold"), ("label_th", "พักสาย"), ("label_en", "Hold")):
            await new.locator(f'[name="{field}"]').fill(value)
        await new.locator('[name="allow_na"]').check()
        await page.locator("#edit-save").click()
        await expect(page.locator("#edit-result")).to_contain_text(f"saved: {name} v2")
        picks = page.locator("#form-pick option")
        await expect(picks.filter(has_text=name)).to_have_text([f"{name} (v2)"])  # v1 retired
        await context.close()
