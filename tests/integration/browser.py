"""Browser tests' helpers: Debian's Chromium under Playwright, and the app served by uvicorn.

Playwright's own browser download fails on the project's machines, so the tests
drive Debian's `chromium` package (the bootstrap installs it, with fonts-thai-tlwg
so that Thai renders). `launch()` gives every browser a fresh, temporary profile
(user data dir) that Playwright deletes on close.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, async_playwright

from agent_ui.ws_server import UVICORN_WS
from callcenter.config import Settings
from callcenter.main import create_app
from tests.helpers import poll

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = f"{CHROMIUM} is missing: apt-get install chromium fonts-thai-tlwg (the bootstrap does)"


def chromium_available() -> bool:
    return CHROMIUM.is_file()


@contextlib.asynccontextmanager
async def chromium(*extra_args: str) -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, with a fresh profile; closed on exit."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


class _Server(uvicorn.Server):
    """uvicorn inside a test's event loop: leaves pytest's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` over HTTP on 127.0.0.1 at a free port; yields the base URL.

    The caller runs the app's lifespan (so a failing start raises in the test, and
    uvicorn cannot `sys.exit` from inside the event loop): uvicorn's is off.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound before uvicorn starts: no race for the port
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", timeout_graceful_shutdown=5,
        **UVICORN_WS,  # as `callcenter serve` runs it
    )  # fmt: skip
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn")
    try:
        await poll(lambda: server.started or task.done(), timeout_s=15, what="uvicorn started")
        if task.done():
            task.result()  # raises what stopped it
            raise AssertionError("uvicorn stopped before it started")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=15)
        sock.close()


@contextlib.asynccontextmanager
async def live_site(settings: Settings) -> AsyncIterator[tuple[str, FastAPI]]:
    """The real app on `settings` (lifespan: AMI, ARI, DB writers, wallboard), connected and
    past its first reconciliation, served over HTTP; yields (base URL, app)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await poll(lambda: app.state.services.ami.connected, timeout_s=20, what="AMI connected")
        # Today's earlier calls (other tests') come from queue_log in the first round,
        # before the test starts, not during it.
        await poll(
            lambda: app.state.services.wallboard.complete is not None,
            timeout_s=30,
            what="reconciled",
        )
        async with serve(app) as url:
            yield url, app
