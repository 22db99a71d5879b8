"""The reports page and API: supervisors list, download and rebuild packs; the new viewer role
(the client's staff) lists and downloads, and reaches no personal data; on a phone too."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from playwright.async_api import Page, expect
from pydantic import SecretStr
from sqlalchemy import text

from agent_ui import pages
from callcenter import centre, services
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker, transaction
from callcenter.errors import install_handlers
from callcenter.kpi import service as kpi_service
from callcenter.kpi.router import router as kpi_router
from callcenter.reports import wiring
from callcenter.reports.data import judge
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
            if s3.bucket_exists(own.report_bucket):  # made before the first upload only
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


SEED = """
INSERT INTO queue_calls (call_id, linkedid, queue, entered_at, caller, outcome, wait_s, agent,
    answered_at, talk_s, hold_s, wrapup_s, ended_at, source)
SELECT 'd' || i, 'd' || i, CASE WHEN i % 2 = 0 THEN 'online-shopping' ELSE 'digital-law' END,
       TIMESTAMPTZ '2026-12-01 09:00:00+07' + make_interval(secs => i * 150), '0812345678',
       CASE WHEN i % 5 = 0 THEN 'abandoned' ELSE 'answered' END, 4 + i % 30,
       CASE WHEN i % 5 = 0 THEN NULL ELSE 'agent0' || (1 + i % 2) END,
       TIMESTAMPTZ '2026-12-01 09:00:00+07' + make_interval(secs => i * 150 + 10),
       CASE WHEN i % 5 = 0 THEN NULL ELSE 100 + i END, 0, CASE WHEN i % 5 = 0 THEN 0 ELSE 10 END,
       TIMESTAMPTZ '2026-12-01 09:00:00+07' + make_interval(secs => i * 150 + 200), 'ami'
FROM generate_series(1, 60) AS i
"""


@pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING)
async def test_dashboard_shows_the_kpi_figures_and_hides_agents_from_viewers(
    site: tuple[str, Any, Settings],
) -> None:
    url, parts, settings = site
    async with parts.sessions() as session, session.begin():
        await session.execute(text(SEED))
    tokens = {r: (await user_token(parts, settings, r))[1] for r in (Role.supervisor, Role.viewer)}
    period = {"from": "2026-12-01T00:00:00+07:00", "to": "2026-12-02T00:00:00+07:00"}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        got = {}
        for role, token in tokens.items():
            r = await client.get(
                "/api/v1/reports/figures", params=period,
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
            assert r.status_code == 200, r.text
            got[role] = r.json()
        kpi = await client.get(
            "/api/v1/kpi", params={**period, "interval": "hour", "detail": "true"},
            headers={"Authorization": f"Bearer {tokens[Role.supervisor]}"},
        )  # fmt: skip
    api = kpi.json()
    sup, viewer = got[Role.supervisor], got[Role.viewer]
    assert sup["interval"] == "hour" and sup["offered"] == 60 and sup["abandoned"] == 12
    same = {k: v for k, v in api.items() if k != "complete"}
    assert {k: sup[k] for k in same} == same  # the KPI API's figures, one code path
    assert [a["agent"] for a in sup["agents"]] == ["agent01", "agent02"]
    assert "agents" not in viewer
    assert {k: viewer[k] for k in same if k != "agents"} == {
        k: v for k, v in same.items() if k != "agents"
    }
    assert "0812345678" not in str(viewer)

    async with web.chromium() as browser:
        for token, viewport, name in (
            (tokens[Role.supervisor], DESKTOP, "supervisor-desktop"),
            (tokens[Role.viewer], PHONE, "viewer-phone"),
        ):
            page = await signed_in(browser, url, token, viewport)
            await page.goto(f"{url}/dashboard?from=2026-12-01&to=2026-12-01")
            offered = page.locator('.tile[data-key="offered"] b')
            await expect(offered).to_have_text("60")
            await expect(page.locator('.tile[data-key="sl_pct"] b')).to_have_text(
                f"{sup['sl_pct']:g}"
            )
            bars = page.locator("#chart rect.offered")
            await expect(bars).to_have_count(len(sup["intervals"]))
            counts = await bars.evaluate_all("rs => rs.map(r => Number(r.dataset.count))")
            assert counts == [i["offered"] for i in sup["intervals"]]
            await expect(page.locator("#queues tbody tr")).to_have_count(len(sup["queues"]))
            agents = page.locator("#agents-panel")
            if viewport is PHONE:
                await expect(agents).to_be_hidden()
                width = await page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= PHONE["width"], width
            else:
                await expect(page.locator("#agents tbody tr")).to_have_count(2)
            await page.screenshot(path=f"/tmp/reports-dashboard-{name}.png", full_page=True)


async def test_exports_are_masked_for_viewers_and_audited(
    site: tuple[str, Any, Settings],
) -> None:
    url, parts, settings = site
    async with parts.sessions() as session, session.begin():
        await session.execute(text(SEED))
    names = {}
    auth = {}
    for role in (Role.supervisor, Role.viewer, Role.agent):
        names[role], token = await user_token(parts, settings, role)
        auth[role] = {"Authorization": f"Bearer {token}"}
    params = {"from": "2026-12-01T00:00:00+07:00", "to": "2026-12-02T00:00:00+07:00"}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        full = await client.get("/api/v1/reports/export/calls", params=params,
                                headers=auth[Role.supervisor])  # fmt: skip
        masked = await client.get("/api/v1/reports/export/calls", params=params,
                                  headers=auth[Role.viewer])  # fmt: skip
        book = await client.get("/api/v1/reports/export/calls", params={**params, "format": "xlsx"},
                                headers=auth[Role.viewer])  # fmt: skip
        denied = await client.get("/api/v1/reports/export/calls", params=params,
                                  headers=auth[Role.agent])  # fmt: skip
    assert denied.status_code == 403
    assert full.status_code == masked.status_code == book.status_code == 200
    sup_rows = list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))
    view_rows = list(csv.reader(io.StringIO(masked.content.decode("utf-8-sig"))))
    assert len(sup_rows) == len(view_rows) == 61  # header + the day's 60 calls
    caller, agent = sup_rows[0].index("caller"), sup_rows[0].index("agent")
    assert {r[caller] for r in sup_rows[1:]} == {"0812345678"}
    assert {r[caller] for r in view_rows[1:]} == {"******5678"}
    assert {r[agent] for r in view_rows[1:]} == {""} and "agent01" in {r[agent] for r in sup_rows}
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None and "0812345678" not in str(list(sheet.values))
    async with parts.sessions() as session:
        audit = (
            await session.execute(
                text("SELECT username, detail FROM audit_log WHERE action = 'export' ORDER BY id")
            )
        ).all()
    assert [(u, d["what"], d["rows"], d["masked"]) for u, d in audit] == [
        (names[Role.supervisor], "calls", 60, False),
        (names[Role.viewer], "calls", 60, True),
        (names[Role.viewer], "calls", 60, True),
    ]


async def test_the_contract_row_for_recordings_comes_from_the_vault(
    site: tuple[str, Any, Settings],
) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from recordings.models import Recording

    _, parts, _ = site
    day = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Bangkok"))

    def rec(n: int, state: str, keep_days: int | None) -> Recording:
        at = day + timedelta(minutes=n)
        return Recording(
            uniqueid=f"rk{n}", linkedid=f"rk{n}", queue="online-shopping", started_at=at,
            codec="ogg", size_bytes=1, sha256="0" * 64, bucket="recordings",
            object_key=f"k{n}", upload_state=state, legal_hold=False, kind="queue",
            retain_until=None if keep_days is None else at + timedelta(days=keep_days),
        )  # fmt: skip

    async with parts.sessions() as session, session.begin():
        session.add_all(
            [rec(1, "verified", 180), rec(2, "verified", 181), rec(3, "verified", 90),
             rec(4, "failed", None), rec(5, "uploaded", 180), rec(6, "empty", None)]
        )  # fmt: skip
    body = await kpi_service.period_report(
        sessions=parts.sessions, reconciler=parts.reconciler, config=parts.metrics_config,
        callback_window_s=1800, start=day.replace(hour=0), end=day.replace(hour=0)
        + timedelta(days=1), queue=None, interval=None, detail=True,
    )  # fmt: skip
    assert {k: v for k, v in body.items() if k.startswith("recordings")} == {
        "recordings": 5, "recordings_kept_180d": 2, "recordings_short_retention": 1,
        "recordings_failed": 1, "recordings_pending": 1, "recordings_incomplete": 0,
        "recordings_kept_pct": 40.0,
    }  # fmt: skip
    judged = {j.target.key: j.met for j in judge(body)}
    assert judged["recordings_kept_pct"] is False


async def test_callbacks_by_state_and_outcome_say_why_they_failed(
    site: tuple[str, Any, Settings],
) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from callcenter.callbacks.models import CallbackTask

    _, parts, _ = site
    day = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Bangkok"))

    def task(n: int, state: str, outcome: str | None, attempts: int) -> CallbackTask:
        at = day + timedelta(minutes=n)
        return CallbackTask(
            number=f"08123456{n:02d}", callable=True, queue="online-shopping", state=state,
            outcome=outcome, dropped_at=at, deadline_at=at + timedelta(minutes=30),
            attempts=attempts, drops=1,
        )  # fmt: skip

    async with parts.sessions() as session, session.begin():
        session.add_all(
            [task(1, "failed", "no_answer", 3), task(2, "failed", "no_answer", 3),
             task(3, "failed", "busy", 2), task(4, "reached", "reached", 1)]
        )  # fmt: skip
    body = await kpi_service.period_report(
        sessions=parts.sessions, reconciler=parts.reconciler, config=parts.metrics_config,
        callback_window_s=1800, start=day.replace(hour=0), end=day.replace(hour=0)
        + timedelta(days=1), queue=None, interval=None, detail=True,
    )  # fmt: skip
    assert body["callback_outcomes"] == [
        {"state": "failed", "outcome": "no_answer", "tasks": 2, "attempts": 6},
        {"state": "failed", "outcome": "busy", "tasks": 1, "attempts": 2},
        {"state": "reached", "outcome": "reached", "tasks": 1, "attempts": 1},
    ]
    assert body["callbacks_owed"] == 4
