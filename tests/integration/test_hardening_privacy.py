"""QA sees cases masked, so QA may not confirm a caller's data by a search's match count,
nor open attachments (issue 12: right number -> 2 results, wrong digit -> 0)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from callcenter.users.models import Role
from tests.integration.cases_support import case_body, unique_phone
from tests.integration.users_support import person

pytestmark = pytest.mark.integration


async def test_qa_can_not_search_by_personal_data_or_open_attachments(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    supervisor = await person(app, client, Role.supervisor)
    qa = await person(app, client, Role.qa)
    phone, name = unique_phone(), f"สมชาย-{uuid.uuid4().hex[:6]}"
    body = case_body(caller_phone=phone, caller_name=name)
    case = (await client.post("/api/v1/cases", json=body, headers=agent.headers)).json()

    for params in ({"phone": phone}, {"name": name}, {"q": name}):
        r = await client.get("/api/v1/cases", params=params, headers=qa.headers)
        assert (r.status_code, r.json()["error_id"]) == (403, "personal_data_forbidden"), params
        sees = await client.get("/api/v1/cases", params=params, headers=supervisor.headers)
        assert sees.json()["total"] == 1, params
    # QA keeps the searches that reveal nobody
    r = await client.get("/api/v1/cases", params={"number": case["number"]}, headers=qa.headers)
    assert r.json()["total"] == 1 and r.json()["items"][0]["caller_phone"].startswith("*")

    url = f"/api/v1/cases/{case['id']}/attachments"
    up = await client.post(
        url, params={"filename": "slip.png"}, content=b"\x89PNG slip",
        headers={**agent.headers, "Content-Type": "image/png"},
    )  # fmt: skip
    assert up.status_code == 201, up.text
    r = await client.get(f"{url}/{up.json()['id']}", headers=qa.headers)
    assert (r.status_code, r.json()["error_id"]) == (403, "personal_data_forbidden")
    r = await client.get(f"{url}/{up.json()['id']}", headers=supervisor.headers)
    assert r.status_code == 200 and r.content == b"\x89PNG slip"


async def test_agents_reading_all_cases_can_not_search_by_personal_data(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    own = await client.get("/api/v1/cases", params={"phone": unique_phone()}, headers=agent.headers)
    assert own.status_code == 200  # limited to their own cases: they see those in full
    closed = app.state.settings
    app.state.settings = closed.model_copy(update={"cases_agents_read_all": True})
    try:
        r = await client.get("/api/v1/cases", params={"phone": "0812345678"}, headers=agent.headers)
    finally:
        app.state.settings = closed
    assert (r.status_code, r.json()["error_id"]) == (403, "personal_data_forbidden")
