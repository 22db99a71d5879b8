"""The reports page and API: supervisors list, download and rebuild packs; the new viewer role
(the client's staff) lists and downloads, and reaches no personal data; on a phone too."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Page, expect
from pydantic import SecretStr

from agent_ui import pages
from callcenter import centre, services
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker, transaction
from callcenter.errors import install_handlers
from callcenter.kpi import service as kpi_service
from callcenter.kpi.router import router as kpi_router
from callcenter.reports import wiring
from callcenter.reports.router import router as reports_router
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.router import router as users_router
from callcenter.users.schemas import UserCreate
from recordings.router import router as recordings_router
from recordings.storage import make_minio
from tests.integration import browser as web
from tests.integration.conftest import own_database

pytestmark = pytest.mark.integration
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
async def site(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[str, Any, Settings]]:
    (tmp_path / "queue_log").write_text("")
    base = settings.model_copy(
        update={
            "jwt_secret": SecretStr(secrets.token_hex(16)), "report_schedule": False,
            "report_bucket": f"reports-test-{uuid.uuid4().hex[:8]}",
            "queue_log_path": tmp_path / "queue_log",
        }
    )  # fmt: skip
    with own_database(base, "callcenter_reports_web") as own:
        engine = make_db_engine(own.database_url)
        sessions = make_sessionmaker(engine)
        config = kpi_service.metrics_config(
            centre.load(own.conf_dir), sl_threshold_s=15, short_abandon_s=5
        )
        sched = wiring.build(settings=own, sessions=sessions, s3=make_minio(own), config=config)
        await sched.start()
        parts = SimpleNamespace(
            sessions=sessions, reports=sched, layout=centre.load(own.conf_dir),
            metrics_config=config, reconciler=sched.sources.reconciler,
        )  # fmt: skip
        app = FastAPI()
        app.state.settings = own
        install_handlers(app)
        for router in (pages.router, reports_router, users_router, kpi_router, recordings_router):
            app.include_router(router)
        app.mount("/static", pages.static_files(), name="static")
        app.dependency_overrides[services.services] = lambda: parts
        app.dependency_overrides[services.app_settings] = lambda: own
        try:
            async with web.serve(app) as url:
                yield url, parts, own
        finally:
            await sched.stop()
            await engine.dispose()
            s3 = make_minio(own)
            for o in s3.list_objects(own.report_bucket, recursive=True, include_version=True):
                s3.remove_object(own.report_bucket, o.object_name, version_id=o.version_id)
            s3.remove_bucket(own.report_bucket)


async def user_token(parts: Any, settings: Settings, role: Role) -> tuple[str, str]:
    name = f"r{role.value[:3]}{uuid.uuid4().hex[:6]}"
    async with transaction(parts.sessions) as session:
        user = await user_service.create(
            session=session,
            user_in=UserCreate(username=name, password="reports-page-pw-7", role=role),
        )
        return name, security.issue_token(settings=settings, user_id=user.id, role=role.value)


async def test_supervisor_rebuilds_viewer_lists_and_downloads(
    site: tuple[str, Any, Settings],
) -> None:
    url, parts, settings = site
    tokens = {r: (await user_token(parts, settings, r))[1] for r in Role}
    auth = {r: {"Authorization": f"Bearer {t}"} for r, t in tokens.items()}
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        body = {"kind": "weekly", "period": "2026-W49", "lang": "th"}
        denied = await client.post("/api/v1/reports/rebuild", json=body, headers=auth[Role.viewer])
        assert denied.status_code == 403
        bad = await client.post(
            "/api/v1/reports/rebuild",
            json={**body, "period": "2026-49"},
            headers=auth[Role.supervisor],
        )
        assert bad.status_code == 422 and "YYYY-Www" in bad.json()["message"]
        made = await client.post(
            "/api/v1/reports/rebuild", json=body, headers=auth[Role.supervisor]
        )
        assert made.status_code == 201, made.text
        pack = made.json()
        assert (pack["kind"], pack["period"], pack["revision"]) == ("weekly", "2026-W49", 1)
        assert len(pack["files"]) == 5 and pack["built_by"].startswith("rsup")

        for role in (Role.agent, Role.qa):
            assert (await client.get("/api/v1/reports", headers=auth[role])).status_code == 403
        listed = await client.get("/api/v1/reports", headers=auth[Role.viewer])
        assert listed.status_code == 200 and [p["id"] for p in listed.json()] == [pack["id"]]
        for f in pack["files"]:
            got = await client.get(
                f"/api/v1/reports/{pack['id']}/files/{f['name']}", headers=auth[Role.viewer]
            )
            assert got.status_code == 200 and got.headers["content-type"] == f["content_type"]
            assert hashlib.sha256(got.content).hexdigest() == f["sha256"]
        missing = await client.get(
            f"/api/v1/reports/{pack['id']}/files/nope.pptx", headers=auth[Role.viewer]
        )
        assert missing.status_code == 404

        # The viewer reaches no personal data: no recordings, no per-call KPI API, no users.
        for path in (
            "/api/v1/recordings",
            "/api/v1/users",
            "/api/v1/kpi?from=2026-12-01T00:00:00%2B07:00&to=2026-12-02T00:00:00%2B07:00",
        ):
            r = await client.get(path, headers=auth[Role.viewer])
            assert r.status_code == 403, (path, r.status_code)


async def signed_in(browser: Any, url: str, token: str, viewport: dict[str, int]) -> Page:
    context = await browser.new_context(
        viewport=viewport, locale="th-TH", timezone_id="Asia/Bangkok",
        is_mobile=viewport is PHONE, has_touch=viewport is PHONE,
    )  # fmt: skip
    await context.add_cookies([{"name": "cc_token", "value": token, "url": url}])
    return await context.new_page()


@pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING)
async def test_the_page_for_a_supervisor_and_a_viewer_on_desktop_and_phone(
    site: tuple[str, Any, Settings],
) -> None:
    url, parts, settings = site
    _, sup = await user_token(parts, settings, Role.supervisor)
    _, viewer = await user_token(parts, settings, Role.viewer)
    _, agent = await user_token(parts, settings, Role.agent)
    async with web.chromium() as browser:
        page = await signed_in(browser, url, sup, DESKTOP)
        await page.goto(f"{url}/reports")
        await expect(page.locator("h1")).to_contain_text("ชุดรายงาน")
        await expect(page.locator("#rebuild")).to_be_visible()
        await page.select_option('#rebuild select[name="kind"]', "daily")
        await page.fill('#rebuild input[name="period"]', "2026-12-06")
        await page.click("#rebuild button")
        rows = page.locator("#packs tbody tr")
        await expect(rows).to_have_count(1, timeout=60_000)
        await expect(page.locator("#status")).to_contain_text("ฉบับ 1")
        await page.click("#rebuild button")
        await expect(rows).to_have_count(2, timeout=60_000)
        await expect(rows.first.locator("td").nth(2)).to_have_text("2")
        await expect(rows.first.locator("td.files a")).to_have_count(3)
        await page.screenshot(path="/tmp/reports-page-supervisor.png", full_page=True)

        page = await signed_in(browser, url, viewer, PHONE)
        await page.goto(f"{url}/reports")
        await expect(rows := page.locator("#packs tbody tr")).to_have_count(2)
        await expect(page.locator("#rebuild")).to_be_hidden()
        width = await page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], width
        async with page.expect_download() as info:
            await rows.first.locator("td.files a").first.click()
        download = await info.value
        assert download.suggested_filename == "daily-2026-12-06-th-daily-report.pptx"
        await page.screenshot(path="/tmp/reports-page-viewer-phone.png", full_page=True)

        page = await signed_in(browser, url, agent, PHONE)
        response = await page.goto(f"{url}/reports")
        assert response is not None and response.status == 403
