"""The seeded taxonomy and agency lists (Thai and English), edited by admins only."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from callcenter.users.models import Role
from tests.integration.cases_support import case_body
from tests.integration.users_support import person

pytestmark = pytest.mark.integration

ACTS = {
    "computer-crime-act", "pdpa", "electronic-transactions-act", "cybersecurity-act",
    "digital-platform-decree", "technology-crime-decree",
}  # fmt: skip


async def test_seeded_lists_follow_the_centre_and_the_brief(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    r = await client.get("/api/v1/cases/taxonomy", headers=agent.headers)
    assert r.status_code == 200
    body = r.json()
    lines = {line["code"]: line for line in body["service_lines"]}
    assert {line["queue"] for line in lines.values()} == set(app.state.services.layout.queue_names)
    assert {c["code"] for c in lines["digital-law"]["categories"]} == ACTS
    assert len(lines["online-shopping"]["categories"]) == 9
    assert len(lines["illegal-websites"]["categories"]) == 8
    assert len(lines["digital-platforms"]["categories"]) == 8
    pdpa = next(c for c in lines["digital-law"]["categories"] if c["code"] == "pdpa")
    assert pdpa["label_th"] == "พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562"
    agencies = {a["code"]: a for a in body["agencies"]}
    assert len(agencies) == 15
    assert agencies["tisi"]["label_th"].startswith("สำนักงานมาตรฐานผลิตภัณฑ์อุตสาหกรรม")
    assert all(a["label_th"] and a["label_en"] for a in body["agencies"])


async def test_admin_edits_the_lists_others_cannot(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await person(app, client, Role.admin)
    supervisor = await person(app, client, Role.supervisor)
    code = f"romance-scam-{uuid.uuid4().hex[:6]}"
    item = {"code": code, "label_th": "หลอกให้รัก", "label_en": "Romance scam"}
    url = "/api/v1/cases/taxonomy/service-lines/illegal-websites/categories"
    r = await client.post(url, json=item, headers=supervisor.headers)
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")
    r = await client.post(url, json=item, headers=admin.headers)
    assert r.status_code == 201, r.text
    assert (await client.post(url, json=item, headers=admin.headers)).status_code == 409

    body = case_body(service_line="illegal-websites", category=code)
    r = await client.post("/api/v1/cases", json=body, headers=supervisor.headers)
    assert r.status_code == 201 and r.json()["category"]["label_th"] == "หลอกให้รัก"

    r = await client.patch(f"{url}/{code}", json={"active": False}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["active"] is False
    r = await client.post("/api/v1/cases", json=body, headers=supervisor.headers)
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown_category")

    agency = {"code": f"etda-{uuid.uuid4().hex[:6]}", "label_th": "สพธอ.", "label_en": "ETDA"}
    r = await client.post("/api/v1/cases/taxonomy/agencies", json=agency, headers=admin.headers)
    assert r.status_code == 201, r.text
    r = await client.patch(
        f"/api/v1/cases/taxonomy/agencies/{agency['code']}",
        json={"label_en": "Electronic Transactions Development Agency"}, headers=admin.headers,
    )  # fmt: skip
    assert r.json()["label_en"] == "Electronic Transactions Development Agency"
