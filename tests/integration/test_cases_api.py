"""Complaint cases over the API: create, read, change, audit trail, workflow, roles, files."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from callcenter.cases import attachments
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.integration.cases_support import case_body, unique_phone
from tests.integration.users_support import person

pytestmark = pytest.mark.integration


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> Any:
    r = await client.post("/api/v1/cases", json=case_body(**fields), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_agent_creates_reads_and_updates_every_change_audited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    linkedid = f"1764{uuid.uuid4().int % 10**6}.1"
    created = await _create(
        client, agent.headers,
        referrals=[{"agency": "ocpb", "note": "ส่งต่อ สคบ."}],
        call={"linkedid": linkedid, "queue": "online-shopping"},
    )  # fmt: skip
    assert created["number"].startswith("1212-")
    assert created["status"] == "new"
    assert created["category"]["label_th"] == "ไม่ได้รับสินค้า"
    assert created["service_line"]["label_en"] == "Online shopping"
    assert created["amount_lost"] == "1590.50"
    assert created["caller_national_id"] == "1101700203451"  # the agent's own case: in clear
    assert [r["agency"] for r in created["referrals"]] == ["ocpb"]
    assert [c["linkedid"] for c in created["calls"]] == [linkedid]
    assert created["assigned_user_id"] == agent.id

    url = f"/api/v1/cases/{created['id']}"
    changes = {"status": "in_progress", "description": "ร้านค้าไม่ตอบแชท", "amount_lost": "2000"}
    r = await client.patch(url, json=changes, headers=agent.headers)
    assert r.status_code == 200, r.text
    r = await client.patch(
        url, json={"status": "resolved", "resolution": "ร้านคืนเงินแล้ว", "fcr_flag": True},
        headers=agent.headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved" and r.json()["closed_at"] is not None
    assert r.json()["allowed_next"] == ["in_progress", "closed"]

    read = await client.get(url, headers=agent.headers)
    assert read.status_code == 200
    assert (read.json()["description"], read.json()["amount_lost"]) == ("ร้านค้าไม่ตอบแชท", "2000.00")

    r = await client.get(f"{url}/audit", headers=agent.headers)
    assert r.status_code == 200
    trail = {(e["field"], e["old"], e["new"]) for e in r.json()}
    assert {e["username"] for e in r.json()} == {agent.username}
    assert {
        ("case", None, created["number"]), ("category", None, "item-not-received"),
        ("call", None, linkedid), ("status", "new", "in_progress"),
        ("status", "in_progress", "resolved"),
        ("description", created["description"], "ร้านค้าไม่ตอบแชท"),
        ("amount_lost", "1590.50", "2000.00"), ("resolution", "", "ร้านคืนเงินแล้ว"),
        ("fcr_flag", "false", "true"),
    } <= trail  # fmt: skip
    assert any(f.startswith("referral:") and new == "ocpb" for f, _, new in trail)


async def test_audit_trail_is_append_only_in_the_database(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    case = await _create(client, agent.headers)
    for statement in ("UPDATE case_audit SET new = 'x'", "DELETE FROM case_audit"):
        async with app.state.services.sessions() as session:
            with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
                await session.execute(text(statement + " WHERE case_id = :id"), {"id": case["id"]})


async def test_invalid_category_or_transition_is_422_with_an_error_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    bad = [
        (case_body(category="no-such-thing"), "unknown_category"),
        (case_body(category="gambling"), "unknown_category"),  # a category of another line
        (case_body(service_line="astrology"), "unknown_service_line"),
        (case_body(status="closed"), "invalid_status_transition"),
        (case_body(referrals=[{"agency": "nasa"}]), "unknown_agency"),
        (case_body(caller_national_id="12345"), "validation_failed"),
    ]
    for body, error_id in bad:
        r = await client.post("/api/v1/cases", json=body, headers=agent.headers)
        assert (r.status_code, r.json()["error_id"]) == (422, error_id), body
    case = await _create(client, agent.headers)
    url = f"/api/v1/cases/{case['id']}"
    r = await client.patch(url, json={"status": "closed"}, headers=agent.headers)
    assert (r.status_code, r.json()["error_id"]) == (422, "invalid_status_transition")
    assert r.json()["details"]["allowed"] == [
        "in_progress", "referred", "waiting_for_caller", "resolved",
    ]  # fmt: skip
    r = await client.patch(url, json={"status": "resolved"}, headers=agent.headers)
    assert (r.status_code, r.json()["error_id"]) == (422, "resolution_required")
    r = await client.patch(url, json={"category": "gambling"}, headers=agent.headers)
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown_category")
    audit = await client.get(f"{url}/audit", headers=agent.headers)
    assert not [e for e in audit.json() if e["field"] in ("status", "category") and e["old"]]
    assert (await client.get(url, headers=agent.headers)).json()["status"] == "new"


async def test_agents_read_only_their_own_cases_unless_configured(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, bob = [await person(app, client, Role.agent) for _ in range(2)]
    supervisor = await person(app, client, Role.supervisor)
    qa = await person(app, client, Role.qa)
    case = await _create(client, alice.headers, caller_phone="0812345678")
    url = f"/api/v1/cases/{case['id']}"

    r = await client.get(url, headers=bob.headers)
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")
    assert (await client.get(f"{url}/audit", headers=bob.headers)).status_code == 403
    r = await client.get("/api/v1/cases", params={"number": case["number"]}, headers=bob.headers)
    assert r.json()["total"] == 0
    r = await client.patch(url, json={"description": "x"}, headers=bob.headers)
    assert r.status_code == 403

    full = (await client.get(url, headers=supervisor.headers)).json()
    assert (full["caller_phone"], full["personal_data_masked"]) == ("0812345678", False)
    masked = (await client.get(url, headers=qa.headers)).json()
    assert masked["personal_data_masked"] is True
    assert masked["caller_phone"] == "******5678"
    assert masked["caller_national_id"] == "*********3451"
    assert masked["caller_email"] == "s***@example.co.th"
    qa_audit = (await client.get(f"{url}/audit", headers=qa.headers)).json()
    assert {e["new"] for e in qa_audit if e["field"] == "caller_phone"} == {"******5678"}
    assert (
        await client.patch(url, json={"description": "x"}, headers=qa.headers)
    ).status_code == 403

    closed_settings = app.state.settings
    app.state.settings = closed_settings.model_copy(update={"cases_agents_read_all": True})
    try:
        r = await client.get(url, headers=bob.headers)
    finally:
        app.state.settings = closed_settings
    assert r.status_code == 200
    assert (r.json()["caller_phone"], r.json()["personal_data_masked"]) == ("******5678", True)


async def test_supervisor_reassigns_an_agent_cannot(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, bob = [await person(app, client, Role.agent) for _ in range(2)]
    supervisor = await person(app, client, Role.supervisor)
    case = await _create(client, alice.headers)
    url = f"/api/v1/cases/{case['id']}"
    r = await client.patch(url, json={"assigned_user_id": bob.id}, headers=alice.headers)
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")
    r = await client.patch(url, json={"assigned_user_id": bob.id}, headers=supervisor.headers)
    assert r.status_code == 200 and r.json()["assigned_user_id"] == bob.id
    assert (await client.get(url, headers=bob.headers)).status_code == 200
    assert (await client.get(url, headers=alice.headers)).status_code == 200  # she opened it
    r = await client.patch(url, json={"description": "x"}, headers=alice.headers)
    assert r.status_code == 403  # but it is Bob's to work on now
    r = await client.patch(url, json={"description": "ของบ๊อบ"}, headers=bob.headers)
    assert r.status_code == 200
    trail = (await client.get(f"{url}/audit", headers=supervisor.headers)).json()
    assert ("assigned_user_id", str(alice.id), str(bob.id), supervisor.username) in {
        (e["field"], e["old"], e["new"], e["username"]) for e in trail
    }
    r = await client.patch(url, json={"assigned_user_id": 999999}, headers=supervisor.headers)
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown_user")


async def test_referral_returned_and_call_with_recording_linked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    case = await _create(client, agent.headers)
    url = f"/api/v1/cases/{case['id']}"
    r = await client.post(f"{url}/referrals", json={"agency": "tcsd"}, headers=agent.headers)
    assert r.status_code == 201, r.text
    referral = r.json()
    r = await client.patch(
        f"{url}/referrals/{referral['id']}",
        json={"returned": True, "returned_note": "ตำรวจรับเรื่องแล้ว"}, headers=agent.headers,
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["returned"] and r.json()["returned_at"]
    for _ in range(2):  # linking the same call again only fills in the recording
        r = await client.post(
            f"{url}/calls", json={"linkedid": "1764000000.42", "recording_id": "rec-42"},
            headers=agent.headers,
        )  # fmt: skip
        assert r.status_code == 200, r.text
    assert [(c["linkedid"], c["recording_id"]) for c in r.json()["calls"]] == [
        ("1764000000.42", "rec-42")
    ]
    fields = [e["field"] for e in (await client.get(f"{url}/audit", headers=agent.headers)).json()]
    assert f"referral:{referral['id']}.returned" in fields
    assert fields.count("call") == 1 and fields.count("recording") == 1


async def test_previous_cases_of_a_caller_for_the_screen_pop(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    phone = unique_phone()
    first = await _create(client, agent.headers, caller_phone=phone)
    second = await _create(client, agent.headers, caller_phone=phone, service_line="digital-law",
                           category="pdpa")  # fmt: skip
    international = "+66" + phone[1:]
    r = await client.get(
        "/api/v1/cases/by-caller", params={"phone": international}, headers=agent.headers
    )
    assert r.status_code == 200
    assert [c["id"] for c in r.json()] == [second["id"], first["id"]]
    assert r.json()[0]["category"]["label_en"].startswith("Personal Data Protection Act")


async def test_attachment_round_trip_through_s3(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = await person(app, client, Role.agent)
    case = await _create(client, agent.headers)
    url = f"/api/v1/cases/{case['id']}/attachments"
    payload = b"\x89PNG\r\n" + uuid.uuid4().bytes * 100
    r = await client.post(
        url, params={"filename": "สลิปโอนเงิน.png"}, content=payload,
        headers={**agent.headers, "Content-Type": "image/png"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    attachment = r.json()
    assert (attachment["filename"], attachment["size"]) == ("สลิปโอนเงิน.png", len(payload))

    r = await client.get(f"{url}/{attachment['id']}", headers=agent.headers)
    assert r.status_code == 200
    assert r.content == payload and r.headers["content-type"] == "image/png"
    async with app.state.services.sessions() as session:
        key = (
            await session.execute(
                text("SELECT object_key FROM case_attachments WHERE id = :id"),
                {"id": attachment["id"]},
            )
        ).scalar_one()
    assert key.startswith(f"case-attachments/{case['id']}/")
    stat = await asyncio.to_thread(
        app.state.services.s3.stat_object, attachments.bucket(settings), key
    )
    assert stat.size == len(payload)
    assert stat.metadata.get("x-amz-server-side-encryption") == "AES256"  # encrypted at rest

    r = await client.post(url, params={"filename": "empty.txt"}, content=b"", headers=agent.headers)
    assert (r.status_code, r.json()["error_id"]) == (422, "invalid_input")
    other = await person(app, client, Role.agent)
    assert (await client.get(f"{url}/{attachment['id']}", headers=other.headers)).status_code == 403
