"""A supervisor voids a case (test data, a duplicate): it keeps its audit trail, leaves the
lists, the caller's history and the KPIs, and nobody changes it afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from callcenter.cases import kpi as case_kpi
from callcenter.users.models import Role
from tests.integration.cases_support import case_body, unique_phone
from tests.integration.users_support import person

pytestmark = pytest.mark.integration


async def _cases_today(app: FastAPI) -> int:
    now = datetime.now(UTC)
    async with app.state.services.sessions() as session:
        figures = await case_kpi.figures(
            session=session, start=now - timedelta(hours=1), end=now + timedelta(minutes=1)
        )
    return int(figures["cases_opened"])


async def test_a_voided_case_leaves_lists_history_and_kpis_but_keeps_its_trail(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    supervisor = await person(app, client, Role.supervisor)
    phone = unique_phone()
    created = await client.post(
        "/api/v1/cases", json=case_body(caller_phone=phone), headers=agent.headers
    )
    assert created.status_code == 201, created.text
    case = created.json()
    url = f"/api/v1/cases/{case['id']}"
    counted = await _cases_today(app)

    r = await client.post(f"{url}/void", json={"reason": "test data"}, headers=agent.headers)
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")
    r = await client.post(f"{url}/void", json={"reason": "ข้อมูลทดสอบ"}, headers=supervisor.headers)
    assert r.status_code == 200, r.text
    assert r.json()["voided_at"] is not None and r.json()["allowed_next"] == []

    listed = await client.get("/api/v1/cases", params={"phone": phone}, headers=supervisor.headers)
    assert listed.json()["total"] == 0
    history = await client.get(
        "/api/v1/cases/by-caller", params={"phone": phone}, headers=agent.headers
    )
    assert history.json() == []
    assert await _cases_today(app) == counted - 1
    assert (await client.get(url, headers=agent.headers)).status_code == 404
    r = await client.patch(url, json={"description": "x"}, headers=supervisor.headers)
    assert (r.status_code, r.json()["error_id"]) == (409, "case_voided")
    r = await client.post(f"{url}/void", json={"reason": "again"}, headers=supervisor.headers)
    assert r.status_code == 409
    trail = (await client.get(f"{url}/audit", headers=supervisor.headers)).json()
    assert ("void", "ข้อมูลทดสอบ", supervisor.username) in {
        (e["field"], e["new"], e["username"]) for e in trail
    }
