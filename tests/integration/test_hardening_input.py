"""No input answers 5xx: one example of each cause the attack probe found (issue 12).

Each was a 500 before: a number past the column's integer type, NUL in text, a date
outside what Python/PostgreSQL hold, a duplicate name, text longer than its column.
Now each is a 4xx with the project's error body, and nothing is half-written.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from callcenter.users.models import Role
from tests.integration.cases_support import case_body
from tests.integration.users_support import person

pytestmark = pytest.mark.integration

INT4_PAST = 2**31
INT8_PAST = 2**63
CRITERION = {"key": "greeting", "label_en": "Greeting", "label_th": "การทักทาย", "weight": 50}


def _refused(r: httpx.Response, status: int = 422, error_id: str = "validation_failed") -> None:
    assert r.status_code == status, (r.status_code, r.text)
    body: dict[str, Any] = r.json()
    assert body["error_id"] == error_id, body
    assert body["message"]


async def test_integers_past_the_column_type_are_422(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = (await person(app, client, Role.admin)).headers
    qa = (await person(app, client, Role.qa)).headers
    # 32-bit columns: a user id, a taxonomy sort, a QA form id
    _refused(await client.get(f"/api/v1/cases?assigned_user_id={INT4_PAST}", headers=admin))
    agency = {"code": f"ag-{uuid.uuid4().hex[:6]}", "label_th": "หน่วยงาน", "label_en": "Agency"}
    r = await client.post(
        "/api/v1/cases/taxonomy/agencies", json={**agency, "sort": INT4_PAST}, headers=admin
    )
    _refused(r)
    taxonomy = (await client.get("/api/v1/cases/taxonomy", headers=admin)).json()
    assert agency["code"] not in {a["code"] for a in taxonomy["agencies"]}
    r = await client.post(
        "/api/v1/recordings/1/evaluations",
        json={"form_id": INT4_PAST, "ratings": {"greeting": 100}}, headers=qa,
    )  # fmt: skip
    _refused(r)
    # 64-bit columns and offsets
    _refused(await client.get(f"/api/v1/cases?offset={INT8_PAST}", headers=admin))
    _refused(await client.get(f"/api/v1/cases/{INT8_PAST}", headers=admin))
    _refused(await client.get(f"/api/v1/recordings?offset={INT8_PAST}", headers=admin))
    _refused(await client.get(f"/api/v1/recordings/{INT8_PAST}/audio", headers=admin))
    _refused(await client.get(f"/api/v1/audit?recording_id={INT8_PAST}", headers=admin))
    # inside the range: the ordinary answer
    r = await client.get(f"/api/v1/cases/{INT8_PAST - 1}", headers=admin)
    assert r.status_code == 404, r.text


async def test_nul_in_any_text_is_422_login_included(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = (await person(app, client, Role.admin)).headers
    qa = (await person(app, client, Role.qa)).headers
    _refused(await client.get("/api/v1/cases?q=a%00b", headers=admin))
    _refused(await client.get("/api/v1/recordings?caller=a%00b", headers=admin))
    _refused(await client.get("/api/v1/cases/taxonomy/x%00", headers=admin), status=422)
    # before authentication: no user is looked up, no failure counted
    r = await client.post("/api/v1/auth/login", json={"username": "a\u0000b", "password": "x"})
    _refused(r)
    name = f"form-{uuid.uuid4().hex[:8]}"
    r = await client.post(
        "/api/v1/qa/forms",
        json={"name": name, "criteria": [{**CRITERION, "label_th": "ทัก\u0000ทาย"}]},
        headers=qa,
    )
    _refused(r)
    forms = (await client.get("/api/v1/qa/forms", headers=qa)).json()
    assert name not in {f["name"] for f in forms}
    r = await client.post("/api/v1/cases", json=case_body(description="a\u0000b"), headers=admin)
    _refused(r)


async def test_dates_outside_what_can_be_held_are_422(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = (await person(app, client, Role.admin)).headers
    r = await client.get(
        "/api/v1/kpi",
        params={"from": "0001-01-01T00:00:00+14:00", "to": "2026-01-02T00:00:00+07:00"},
        headers=admin,
    )
    _refused(r)
    r = await client.get("/api/v1/cases", params={"to": "9999-12-31T23:59:59-14:00"}, headers=admin)
    _refused(r)
    r = await client.get("/api/v1/cases", params={"to": "2030-12-31T23:59:59-14:00"}, headers=admin)
    assert r.status_code == 200, r.text


async def test_duplicate_qa_form_name_is_409_with_an_error_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    qa = (await person(app, client, Role.qa)).headers
    body = {"name": f"form-{uuid.uuid4().hex[:8]}", "criteria": [CRITERION]}
    first = await client.post("/api/v1/qa/forms", json=body, headers=qa)
    assert first.status_code == 201, first.text
    _refused(await client.post("/api/v1/qa/forms", json=body, headers=qa), 409, "qa_form_exists")
    forms = (await client.get("/api/v1/qa/forms", headers=qa)).json()
    assert [f["name"] for f in forms].count(body["name"]) == 1


async def test_caller_phone_longer_than_its_column_is_422_and_the_case_unchanged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = (await person(app, client, Role.agent)).headers
    created = await client.post("/api/v1/cases", json=case_body(), headers=agent)
    assert created.status_code == 201, created.text
    url = f"/api/v1/cases/{created.json()['id']}"
    _refused(await client.patch(url, json={"caller_phone": "1" * 40}, headers=agent))
    after = (await client.get(url, headers=agent)).json()
    assert after["caller_phone"] == created.json()["caller_phone"]
    r = await client.patch(url, json={"caller_phone": "0" + "9" * 31}, headers=agent)
    assert r.status_code == 200, r.text
