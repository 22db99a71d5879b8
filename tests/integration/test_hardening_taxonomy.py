"""Admins' taxonomy labels are text people read in menus: junk is refused (issue 12 found a
service line labelled `□±?`, a category `0 · 0`); labels are stored trimmed."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from callcenter.users.models import Role
from tests.integration.users_support import person

pytestmark = pytest.mark.integration

JUNK = ["□±?", "0 · 0", "   ", "ab\u200bcd", "x\u202etxt.exe", "a" * 256]


async def test_junk_labels_are_refused_and_good_ones_trimmed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = (await person(app, client, Role.admin)).headers
    base = "/api/v1/cases/taxonomy"
    line = f"line-{uuid.uuid4().hex[:6]}"
    for junk in JUNK:
        body = {"code": line, "queue": "online-shopping", "label_th": junk, "label_en": "Line"}
        r = await client.post(f"{base}/service-lines", json=body, headers=admin)
        assert (r.status_code, r.json()["error_id"]) == (422, "validation_failed"), junk
        r = await client.patch(f"{base}/agencies/ocpb", json={"label_en": junk}, headers=admin)
        assert r.status_code == 422, junk
    body = {
        "code": line,
        "queue": "online-shopping",
        "label_th": "  สาย  ทดสอบ ",
        "label_en": "Test",
    }
    r = await client.post(f"{base}/service-lines", json=body, headers=admin)
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{base}/service-lines/{line}/categories",
        json={"code": "cat", "label_th": "0 · 0", "label_en": "0 · 0"}, headers=admin,
    )  # fmt: skip
    assert r.status_code == 422
    tree = (await client.get(base, headers=admin)).json()
    added = next(s for s in tree["service_lines"] if s["code"] == line)
    assert (added["label_th"], added["categories"]) == ("สาย ทดสอบ", [])
    ocpb = next(a for a in tree["agencies"] if a["code"] == "ocpb")
    assert ocpb["label_en"] not in JUNK
