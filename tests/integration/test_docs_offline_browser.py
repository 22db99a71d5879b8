"""/docs with the network off: Swagger UI comes from this origin (a PyPI package's files).

The browser may reach only 127.0.0.1: every other request is refused and recorded. The
page must list the API's operations, ask nothing of another host, and break no CSP rule.
Screenshots: /tmp/board-docs-desktop.png, /tmp/board-docs-phone.png.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Route, ViewportSize, expect

from callcenter.config import get_settings
from callcenter.main import create_app
from tests.integration import browser as web

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not web.chromium_available(), reason=web.MISSING),
]


@pytest.fixture(scope="module")
async def docs_url() -> AsyncIterator[str]:
    """The app served without its lifespan: /docs and /openapi.json need no stack."""
    async with web.serve(create_app(get_settings())) as url:
        yield url


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with web.chromium() as browser:
        yield browser


@pytest.mark.parametrize(
    ("size", "viewport"),
    [
        ("desktop", ViewportSize(width=1280, height=800)),
        ("phone", ViewportSize(width=390, height=844)),
    ],
)
async def test_docs_list_the_operations_with_the_network_off(
    docs_url: str, chromium: Browser, size: str, viewport: ViewportSize
) -> None:
    context = await chromium.new_context(viewport=viewport, is_mobile=size == "phone")
    refused: list[str] = []

    async def offline(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", offline)
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        await page.goto(f"{docs_url}/docs")
        operations = page.locator(".opblock")
        await expect(operations.first).to_be_visible(timeout=20_000)
        paths = await page.locator(".opblock-summary-path").evaluate_all(
            "els => els.map(e => e.getAttribute('data-path'))"
        )
        assert "/api/v1/alerts/acknowledge" in paths and "/api/v1/kpi" in paths, paths[:20]
        assert len(paths) > 50, len(paths)
        await expect(page.locator(".info .title")).to_contain_text("1212 contact centre")
        assert refused == [], refused
        assert problems == [], problems
        await page.screenshot(path=f"/tmp/board-docs-{size}.png")
    finally:
        await context.close()
