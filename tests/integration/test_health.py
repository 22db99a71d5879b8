"""`/healthz` follows the real dependencies; the AMI watchdog drops a frozen Asterisk."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest
from fastapi import FastAPI

from callcenter.config import Settings
from callcenter.stack.asterisk import AsteriskService
from tests.helpers import poll

pytestmark = pytest.mark.integration


async def health(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    r = await client.get("/healthz")
    return r.status_code, r.json()["checks"]


async def test_healthz_503_while_asterisk_stopped_then_200_without_restart(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    async def healthy() -> bool:
        return (await health(client))[0] == 200

    await poll(healthy, timeout_s=30, what="healthz 200 at start")
    asterisk = AsteriskService(settings)
    await asyncio.to_thread(asterisk.stop)
    try:

        async def degraded() -> dict[str, str] | None:
            code, checks = await health(client)
            return checks if code == 503 else None

        checks = await poll(degraded, timeout_s=20, what="healthz 503 with Asterisk stopped")
        assert checks["ami"] == "down"
        assert checks["db"] == "ok" and checks["s3"] == "ok"
    finally:
        await asyncio.to_thread(asterisk.start)
    _, checks = await poll(
        lambda: _healthy_checks(client), timeout_s=30, what="healthz 200 after Asterisk restarted"
    )
    assert checks == {"db": "ok", "ami": "ok", "ari": "ok", "s3": "ok"}


async def _healthy_checks(client: httpx.AsyncClient) -> tuple[int, dict[str, str]] | None:
    code, checks = await health(client)
    return (code, checks) if code == 200 else None


async def test_watchdog_drops_a_frozen_asterisk_and_reconnects(
    app: FastAPI, settings: Settings
) -> None:
    ami = app.state.services.ami
    await poll(lambda: ami.connected, timeout_s=30, what="AMI connected")
    connections = ami.connections
    pid = AsteriskService(settings).pid()
    assert pid is not None
    # SIGSTOP keeps the TCP socket open but nothing answers: a half-open link.
    os.kill(pid, signal.SIGSTOP)
    frozen_at = time.monotonic()
    try:
        await poll(
            lambda: not ami.connected,
            timeout_s=settings.ami_watchdog_timeout_s + 5,
            interval_s=0.1,
            what="watchdog noticing the frozen AMI link",
        )
        detected_s = time.monotonic() - frozen_at
    finally:
        os.kill(pid, signal.SIGCONT)
    print(f"half-open AMI link detected after {detected_s:.1f}s")
    await poll(
        lambda: ami.connected and ami.connections > connections,
        timeout_s=30,
        what="AMI reconnected after Asterisk resumed",
    )
