"""The content calendar page on a phone-sized Chromium (390 x 844): a supervisor plans a post
and attaches its picture, cannot approve it themself, another supervisor approves it; the
month's targets show as bars."""

from __future__ import annotations

import re
import secrets
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import expect
from pydantic import SecretStr
from sqlalchemy import select

from agent_ui import pages
from callcenter import services
from callcenter.config import Settings
from callcenter.errors import install_handlers
from callcenter.social import calendar_router
from callcenter.social.models import Content
from callcenter.social.router import router as social_router
from callcenter.users import router as users_router
from callcenter.users.models import Role
from recordings.storage import make_minio
from tests.integration import browser as web
from tests.integration.smtp_support import Sink, text
from tests.integration.social_support import (
    PHONE,
    Sessions,
    sessions,
    signed_in,
    sink,
    social_settings,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]
__all__ = ["sessions", "sink", "social_settings"]  # fixtures used by name


@pytest.fixture
async def site(
    social_settings: Settings, sessions: Sessions, sink: Sink
) -> AsyncIterator[tuple[str, Any]]:
    settings = social_settings.model_copy(update={
        "jwt_secret": SecretStr(secrets.token_hex(16)), "smtp_port": sink.port,
        "social_digest_recipients": "pr@1212.example",
    })  # fmt: skip
    app = FastAPI()
    app.state.settings = settings
    install_handlers(app)
    routers = (pages.router, users_router.router, social_router, calendar_router.router,
               calendar_router.digests)  # fmt: skip
    for router in routers:
        app.include_router(router)
    app.mount("/static", pages.static_files(), name="static")
    app.dependency_overrides[services.sessions] = lambda: sessions
    s3 = make_minio(settings)
    app.dependency_overrides[services.s3] = lambda: s3
    app.dependency_overrides[calendar_router.publishing] = lambda: None
    async with web.serve(app) as url:
        yield url, settings


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))  # fmt: skip


async def test_plan_attach_and_approve_on_a_phone(
    site: tuple[str, Any], sessions: Sessions, tmp_path: Path
) -> None:
    url = site[0]
    picture = tmp_path / "warning.png"
    picture.write_bytes(tiny_png())
    async with web.chromium() as browser:
        page = await signed_in(site, sessions, browser, Role.supervisor)
        await page.goto(f"{url}/social/calendar")
        await expect(page.locator("h1")).to_contain_text("ปฏิทินเนื้อหา")
        await expect(page.locator("#target-posts .count")).to_have_text("0/6")
        await expect(page.locator("#target-videos .count")).to_have_text("0/1–2")

        form = page.locator("#new-item")
        await form.locator('input[name="title"]').fill("เตือนภัยบัญชีม้า")
        await form.locator('textarea[name="body"]').fill("อย่ารับจ้างเปิดบัญชี ผิดกฎหมาย แจ้ง 1212")
        await form.locator('input[name="line"]').uncheck()
        # next month, so it lands in the month the page then shows
        await form.locator('input[name="planned_at"]').fill(
            await page.evaluate(
                "(() => { const d = new Date(); d.setMonth(d.getMonth() + 1, 15);"
                " d.setHours(10, 0, 0, 0); const p = (n) => String(n).padStart(2, '0');"
                " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T10:00`; })()"
            )
        )
        await form.locator('button[type="submit"]').click()
        item = page.locator("#items li.item")
        await expect(item).to_have_count(1)
        await expect(item.locator(".status")).to_contain_text("ร่าง · draft")
        await expect(page.locator("#target-posts .tlabel")).to_contain_text("วางแผน 1")

        await item.locator("input.asset").set_input_files(str(picture))
        await expect(item).to_contain_text("warning.png")
        await item.locator("button.approve").click()
        await expect(item.locator(".note")).to_contain_text("Another supervisor")
        width = await page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], width

        other = await signed_in(site, sessions, browser, Role.supervisor)
        await other.goto(page.url)
        await other.locator("#next").click()
        theirs = other.locator("#items li.item")
        await theirs.locator("button.approve").click()
        await expect(theirs.locator(".status")).to_contain_text("อนุมัติแล้ว · approved")

        # signing out ends the session, not only the page
        await other.locator("#logout").click()
        await expect(other).to_have_url(re.compile(r"/login"))
        me = await other.evaluate("fetch('/api/v1/auth/me').then((r) => r.status)")
        assert me == 401

    async with sessions() as session:
        row = (await session.scalars(select(Content))).one()
    assert row.status == "approved" and row.channels == ["facebook"]
    assert row.asset_type == "image/png" and row.approved_by != row.created_by


async def test_the_weekly_digest_is_edited_then_sent_from_a_phone(
    site: tuple[str, Any], sessions: Sessions, sink: Sink
) -> None:
    async with web.chromium() as browser:
        page = await signed_in(site, sessions, browser, Role.supervisor)
        await page.goto(f"{site[0]}/social/calendar")
        await expect(page.locator("#digest-state")).to_contain_text("no digest yet")
        await page.locator("#digest-build").click()
        form = page.locator("#digest-form")
        await expect(form.locator('textarea[name="body"]')).to_have_value(
            re.compile(r"^สรุปข่าวประจำสัปดาห์ .* 25\d\d")  # Buddhist Era year
        )
        await form.locator('input[name="subject"]').fill("สรุปภัยออนไลน์ · Online fraud this week")
        await form.locator('textarea[name="body"]').fill("ข่าวสำคัญสัปดาห์นี้ · This week's news")
        await form.locator("button.send").click()
        await expect(page.locator("#digest-state")).to_contain_text("ส่งแล้ว · sent")
        await expect(form.locator('textarea[name="body"]')).to_be_disabled()
    [(to, mail)] = sink.messages
    assert to == ["pr@1212.example"] and mail["Subject"] == "สรุปภัยออนไลน์ · Online fraud this week"
    assert text(mail).strip() == "ข่าวสำคัญสัปดาห์นี้ · This week's news"
