"""The service's kpi-v1 figures (CLI and API) against a recount of Asterisk's queue_log."""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from callcenter.config import Settings
from callcenter.reconcile.queue_log import read_file
from callcenter.reconcile.recount import recount
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from tests.helpers import poll
from tests.integration.conftest import cli

COUNTS = (
    "offered", "answered", "abandoned", "short_abandoned", "timeout", "no_agents",
    "key_exit", "withdrawn", "answered_within_sl",
)  # fmt: skip
MEASURES = (
    "sl_pct", "answer_rate_pct", "abandon_rate_pct", "sl_asterisk_pct", "asa_s",
    "max_wait_s", "aht_s", "avg_talk_s",
)  # fmt: skip


def queue_log_recount(settings: Settings, start: float, end: float, queue: str) -> dict[str, Any]:
    entries = read_file(settings.queue_log_file).entries
    counted = recount(entries, start=start, end=end, queues=[queue])
    return counted.queues[queue].as_dict()


def kpi_cli(settings: Settings, start: float, end: float, queue: str | None) -> dict[str, Any]:
    """`callcenter kpi --json` of the period (a queue's, or the centre's with None)."""
    env = {**os.environ, "CALLCENTER_DATABASE_URL": settings.database_url}
    args = ["--from", iso(start), "--to", iso(end), "--json"]
    args += ["--queue", queue] if queue else []
    result = cli("kpi", *args, env=env)
    assert result.returncode == 0, result.stderr
    body: dict[str, Any] = json.loads(result.stdout)
    return body


async def kpi_api(app: FastAPI, start: float, end: float, queue: str | None) -> dict[str, Any]:
    name = f"sup{uuid.uuid4().hex[:6]}"
    async with app.state.services.sessions() as session, session.begin():
        user = UserCreate(username=name, password="correct-horse-1", role=Role.supervisor)
        await user_service.create(session=session, user_in=user)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": name, "password": "correct-horse-1"}
        )
        token = login.json()["access_token"]
        r = await client.get(
            "/api/v1/kpi",
            params={"from": iso(start), "to": iso(end), **({"queue": queue} if queue else {})},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def assert_equal(figures: dict[str, Any], truth: dict[str, Any], where: str) -> None:
    for key in COUNTS:
        assert figures[key] == truth[key], f"{where}: {key} {figures[key]} != {truth[key]}"
    for key in MEASURES:
        a, b = figures[key], truth[key]
        assert (a is None) == (b is None), f"{where}: {key} {a} vs {b}"
        if a is not None:
            assert math.isclose(a, b, abs_tol=0.1), f"{where}: {key} {a} != {b}"
    assert figures["definition"] == "kpi-v1.1"


async def settle(app: FastAPI, settings: Settings, start: float, end: float, queue: str) -> None:
    """Wait until the stored figures equal the recount (AMI events are async), then check all."""

    seen: list[Any] = []

    async def agreed() -> bool:
        await app.state.services.record_writer.flush()
        truth = queue_log_recount(settings, start, end, queue)
        mine = kpi_cli(settings, start, end, queue)
        seen[:] = [mine, truth]
        return mine["offered"] == truth["offered"] and mine["complete"] is True

    try:
        await poll(agreed, timeout_s=30, interval_s=1.0, what="stored figures equal to queue_log")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; service: {seen[0]}; queue_log recount: {seen[1]}") from None
    truth = queue_log_recount(settings, start, end, queue)
    assert truth["open"] == 0
    assert_equal(kpi_cli(settings, start, end, queue), truth, "callcenter kpi --json")
    assert_equal(await kpi_api(app, start, end, queue), truth, "GET /api/v1/kpi")


def window() -> float:
    return math.floor(time.time())
