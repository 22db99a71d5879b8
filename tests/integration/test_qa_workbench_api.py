"""The QA workbench's API: paging with a true total, lists and names from the centre's layout."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from callcenter.ami.models import AmiEvent
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.users.models import Role
from tests.integration.cases_support import case_body
from tests.integration.qa_support import catalogue_rows, headers_for, unique_agent

pytestmark = pytest.mark.integration


async def test_the_catalogue_pages_with_a_true_total(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = unique_agent()
    rows = await catalogue_rows(app, n=120, agent=agent)
    qa = await headers_for(app, settings, Role.qa)
    seen: list[int] = []
    for offset in (0, 50, 100):
        page = await client.get(
            "/api/v1/recordings",
            params={"agent": agent, "limit": 50, "offset": offset},
            headers=qa,
        )
        assert page.status_code == 200, page.text
        assert page.headers["X-Total-Count"] == "120"  # not the 100-row page it was capped at
        seen += [r["id"] for r in page.json()]
    assert len(seen) == 120 and set(seen) == {r.id for r in rows}  # every row, once
    assert seen[0] == rows[0].id  # newest first

    none = await client.get(
        "/api/v1/recordings", params={"agent": agent, "offset": 500}, headers=qa
    )
    assert none.json() == [] and none.headers["X-Total-Count"] == "120"


async def test_rows_and_lists_name_queues_and_agents(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = unique_agent()
    await catalogue_rows(app, n=1, agent=agent, queue="online-shopping")
    qa = await headers_for(app, settings, Role.qa)
    listed = await client.get("/api/v1/recordings", params={"agent": agent}, headers=qa)
    (out,) = listed.json()
    assert out["queue"] == "online-shopping"  # the id stays for filters and links
    assert out["queue_label_th"] == "ซื้อขายออนไลน์"
    assert out["queue_label_en"] == "Online shopping"
    number = agent.rsplit("-", 1)[1]
    assert out["agent_name"] == f"Sim agent {number} · เจ้าหน้าที่จำลอง {number}"

    choices = await client.get("/api/v1/qa/choices", headers=qa)
    assert choices.status_code == 200, choices.text
    body = choices.json()
    assert body["time_zone"] == "Asia/Bangkok"
    queues = [q["name"] for q in body["queues"]]
    assert queues[:2] == ["online-shopping", "illegal-websites"]  # the IVR's order
    assert {"label_th", "label_en"} <= body["queues"][0].keys()
    agents = {a["id"]: a["name"] for a in body["agents"]}
    assert agents["agent01"] == "Agent 01"  # from asterisk_conf/centre.toml
    assert agents[agent] == out["agent_name"]  # and every agent the catalogue holds

    agent_headers = await headers_for(app, settings, Role.agent)
    assert (await client.get("/api/v1/qa/choices", headers=agent_headers)).status_code == 403


ITEM = {"label_en": "Item", "label_th": "ข้อ", "weight": 1}


def review_form(name: str) -> dict[str, object]:
    """Two sections; a critical yes/no item, a 1–5 item, an N/A-able item."""
    opening = {"section_en": "Opening", "section_th": "การเปิดสาย"}
    handling = {"section_en": "Handling", "section_th": "การรับเรื่อง"}
    return {
        "name": name,
        "criteria": [
            {**ITEM, **opening, "key": "greeting", "scale": "yes_no"},
            {**ITEM, **opening, "key": "privacy", "scale": "yes_no", "critical": True,
             "weight": 2},
            {**ITEM, **handling, "key": "accuracy", "scale": "1-5", "weight": 3},
            {**ITEM, **handling, "key": "case_logged", "scale": "yes_no", "allow_na": True,
             "weight": 2},
        ],
    }  # fmt: skip


async def test_forms_score_with_scales_na_and_critical_items_and_keep_their_version(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    qa = await headers_for(app, settings, Role.qa)
    (row,) = await catalogue_rows(app, n=1, agent=unique_agent())
    made = await client.post("/api/v1/qa/forms", json=review_form(f"review {row.id}"), headers=qa)
    assert made.status_code == 201, made.text
    v1 = made.json()
    assert v1["version"] == 1 and v1["criteria"][1]["critical"] is True
    url = f"/api/v1/recordings/{row.id}/evaluations"
    good = {"greeting": 1, "privacy": 1, "accuracy": 4, "case_logged": None}
    first = await client.post(
        url,
        json={"form_id": v1["id"], "ratings": good, "item_comments": {"accuracy": "one slip"}},
        headers=qa,
    )
    assert first.status_code == 201, first.text
    # accuracy 4 of 1–5 = 75 points × 3; case_logged N/A leaves its weight 2 out: 6 of weight
    assert first.json()["score"] == pytest.approx(87.5)
    assert first.json()["item_comments"] == {"accuracy": "one slip"}
    assert first.json()["form_version"] == 1 and not first.json()["critical_fail"]
    assert first.json()["definition"] == "qa-v2"  # docs/kpi-v1.md, section 11

    failed = await client.post(
        url,
        json={"form_id": v1["id"], "ratings": {**good, "privacy": 0},
              "supersedes_id": first.json()["id"], "reason": "missed the leak"},
        headers=qa,
    )  # fmt: skip
    assert failed.status_code == 201, failed.text
    assert failed.json()["score"] == 0 and failed.json()["critical_fail"] is True
    refused = await client.post(
        url, json={"form_id": v1["id"], "ratings": {**good, "accuracy": None}}, headers=qa
    )
    assert refused.status_code == 422 and refused.json()["error_id"] == "qa_evaluation_invalid"
    bad_form = review_form("critical on 1-5")
    bad_form["criteria"][2]["critical"] = True  # type: ignore[index]
    assert (await client.post("/api/v1/qa/forms", json=bad_form, headers=qa)).status_code == 422

    # Version 2 replaces version 1 for new scores; the evaluations on v1 still read as v1.
    criteria = [*v1["criteria"], {**ITEM, "key": "closing", "scale": "1-5"}]
    v2 = await client.post(
        f"/api/v1/qa/forms/{v1['id']}/versions", json={"criteria": criteria}, headers=qa
    )
    assert v2.status_code == 201, v2.text
    assert v2.json()["version"] == 2 and v2.json()["name"] == v1["name"]
    active = (await client.get("/api/v1/qa/forms", headers=qa)).json()
    assert [f["version"] for f in active if f["name"] == v1["name"]] == [2]
    old = await client.get(f"/api/v1/qa/forms/{v1['id']}", headers=qa)
    assert old.json()["version"] == 1 and not old.json()["active"]
    listed = (await client.get(url, headers=qa)).json()
    assert [(e["form_version"], e["score"]) for e in listed] == [(1, 87.5), (1, 0.0)]
    stale = await client.post(url, json={"form_id": v1["id"], "ratings": good}, headers=qa)
    assert stale.status_code == 409 and stale.json()["error_id"] == "qa_form_replaced"
    again = await client.post(
        f"/api/v1/qa/forms/{v1['id']}/versions", json={"criteria": criteria}, headers=qa
    )
    assert again.status_code == 409
    admin = await headers_for(app, settings, Role.admin)
    audit = await client.get("/api/v1/audit", params={"action": "qa_form_version"}, headers=admin)
    assert any(r["detail"]["form_id"] == v2.json()["id"] and r["detail"]["replaces"] == v1["id"]
               for r in audit.json())  # fmt: skip


async def test_filters_by_length_score_critical_and_case(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    qa = await headers_for(app, settings, Role.qa)
    sup = await headers_for(app, settings, Role.supervisor)
    agent = unique_agent()
    (short,) = await catalogue_rows(app, n=1, agent=agent, duration_s=40)
    (failed,) = await catalogue_rows(app, n=1, agent=agent, duration_s=400)
    (long_,) = await catalogue_rows(app, n=1, agent=agent, duration_s=700)
    form = (
        await client.post("/api/v1/qa/forms", json=review_form(f"f {agent}"), headers=qa)
    ).json()
    good = {"greeting": 1, "privacy": 1, "accuracy": 5, "case_logged": 1}
    for rec, ratings in ((short, good), (failed, {**good, "privacy": 0})):
        done = await client.post(
            f"/api/v1/recordings/{rec.id}/evaluations",
            json={"form_id": form["id"], "ratings": ratings},
            headers=qa,
        )
        assert done.status_code == 201, done.text
    case = await client.post("/api/v1/cases", json=case_body(), headers=sup)
    assert case.status_code == 201, case.text
    linked = await client.post(
        f"/api/v1/cases/{case.json()['id']}/calls", json={"linkedid": long_.linkedid}, headers=sup
    )
    assert linked.status_code == 200, linked.text

    async def ids(**params: object) -> set[int]:
        got = await client.get("/api/v1/recordings", params={"agent": agent, **params}, headers=qa)
        assert got.status_code == 200, got.text
        return {r["id"] for r in got.json()}

    assert await ids(min_duration_s=600) == {long_.id}
    assert await ids(min_duration_s=180, max_duration_s=600) == {failed.id}
    assert await ids(min_score=90, max_score=100) == {short.id}
    assert await ids(critical="true") == {failed.id}
    listed = await client.get("/api/v1/recordings", params={"agent": agent}, headers=qa)
    shown = {r["id"]: (r["qa_score"], r["qa_critical_fail"]) for r in listed.json()}
    assert shown == {short.id: (100.0, False), failed.id: (0.0, True), long_.id: (None, False)}
    assert await ids(max_score=10) == {failed.id}  # a critical fail scores 0
    assert await ids(has_case="true") == {long_.id}
    assert await ids(case_id=case.json()["id"]) == {long_.id}
    assert long_.id not in await ids(has_case="false")


async def test_calibration_shows_two_auditors_difference_to_a_supervisor(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    first = await headers_for(app, settings, Role.qa)
    second = await headers_for(app, settings, Role.qa)
    sup = await headers_for(app, settings, Role.supervisor)
    (row,) = await catalogue_rows(app, n=1, agent=unique_agent())
    form = (
        await client.post("/api/v1/qa/forms", json=review_form(f"cal {row.id}"), headers=first)
    ).json()
    url = f"/api/v1/recordings/{row.id}/evaluations"
    good = {"greeting": 1, "privacy": 1, "accuracy": 5, "case_logged": 1}
    for headers, ratings in ((first, good), (second, {**good, "accuracy": 3, "greeting": 0})):
        done = await client.post(
            url, json={"form_id": form["id"], "ratings": ratings}, headers=headers
        )
        assert done.status_code == 201, done.text  # the second stands beside the first

    cal = await client.get(f"/api/v1/recordings/{row.id}/calibration", headers=sup)
    assert cal.status_code == 200, cal.text
    body = cal.json()
    assert len(body["auditors"]) == 2 and body["form_version"] == 1
    spread = {i["key"]: i["spread"] for i in body["items"]}
    assert spread == {"greeting": 100.0, "privacy": 0.0, "accuracy": 50.0, "case_logged": 0.0}
    # 100 vs (0×1 + 100×2 + 50×3 + 100×2) / 8 = 68.75
    assert [a["score"] for a in body["auditors"]] == [100.0, 68.75]
    assert body["score_spread"] == 31.25
    assert (
        await client.get(f"/api/v1/recordings/{row.id}/calibration", headers=first)
    ).status_code == 403  # shown to supervisors


async def test_an_agent_acknowledges_or_disputes_their_own_evaluations(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = unique_agent()
    rows = await catalogue_rows(app, n=2, agent=agent)
    (others,) = await catalogue_rows(app, n=1, agent=unique_agent())
    qa = await headers_for(app, settings, Role.qa)
    me = await headers_for(app, settings, Role.agent, username=agent)
    form = (
        await client.post("/api/v1/qa/forms", json=review_form(f"ack {agent}"), headers=qa)
    ).json()
    good = {"greeting": 1, "privacy": 1, "accuracy": 4, "case_logged": None}
    made = []
    for rec in (*rows, others):
        done = await client.post(
            f"/api/v1/recordings/{rec.id}/evaluations",
            json={"form_id": form["id"], "ratings": good, "item_comments": {"accuracy": "ok"}},
            headers=qa,
        )
        made.append(done.json()["id"])

    mine = await client.get("/api/v1/qa/my-evaluations", headers=me)
    assert mine.status_code == 200, mine.text
    listed = mine.json()
    assert {e["id"] for e in listed} == set(made[:2])  # only their own calls
    assert listed[0]["queue_label_en"] == "Online shopping"
    assert listed[0]["form"]["criteria"][1]["critical"] is True
    assert "caller" not in listed[0]
    assert (await client.get("/api/v1/qa/my-evaluations", headers=qa)).status_code == 403

    answer = f"/api/v1/qa/evaluations/{made[0]}/response"
    no_reason = await client.post(answer, json={"action": "dispute", "reason": " "}, headers=me)
    assert no_reason.status_code == 422
    disputed = await client.post(
        answer, json={"action": "dispute", "reason": "ผู้โทรขอวางสายเอง · caller hung up"}, headers=me
    )
    assert disputed.status_code == 201, disputed.text
    assert disputed.json()["response"]["action"] == "dispute"
    twice = await client.post(answer, json={"action": "acknowledge"}, headers=me)
    assert twice.status_code == 409 and twice.json()["error_id"] == "qa_response_exists"
    acked = await client.post(
        f"/api/v1/qa/evaluations/{made[1]}/response", json={"action": "acknowledge"}, headers=me
    )
    assert acked.status_code == 201, acked.text
    not_mine = await client.post(
        f"/api/v1/qa/evaluations/{made[2]}/response", json={"action": "acknowledge"}, headers=me
    )
    assert not_mine.status_code == 404

    disputed_calls = await client.get(
        "/api/v1/recordings", params={"agent": agent, "qa_state": "disputed"}, headers=qa
    )
    assert [r["id"] for r in disputed_calls.json()] == [rows[0].id]  # QA finds the disputes
    (row_out,) = disputed_calls.json()
    assert (
        row_out["qa_disputed"] and row_out["qa_score"] == 87.5 and not row_out["qa_critical_fail"]
    )
    # The auditor sees the answer; the audit log has it; the answers cannot be changed.
    seen = await client.get(f"/api/v1/recordings/{rows[0].id}/evaluations", headers=qa)
    assert seen.json()[0]["response"]["reason"] == "ผู้โทรขอวางสายเอง · caller hung up"
    admin = await headers_for(app, settings, Role.admin)
    audit = await client.get("/api/v1/audit", params={"recording_id": rows[0].id}, headers=admin)
    (entry,) = [r for r in audit.json() if r["action"] == "qa_dispute"]
    assert entry["username"] == agent and entry["detail"]["evaluation_id"] == made[0]
    for statement in (
        "UPDATE qa_evaluation_responses SET reason = ''",
        "DELETE FROM qa_evaluation_responses",
    ):
        with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
            async with transaction(app.state.services.sessions) as session:
                await session.execute(text(statement))


async def test_markers_at_hold_and_transfer_moments(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    (row,) = await catalogue_rows(app, n=1, agent=unique_agent(), duration_s=120)
    at = row.started_at

    def event(name: str, seconds: float, **headers: str) -> AmiEvent:
        return AmiEvent(
            dedup_key=uuid.uuid4().hex, event=name, event_ts=at + timedelta(seconds=seconds),
            linkedid=headers.get("Linkedid"), headers={"Event": name, **headers},
        )  # fmt: skip

    async with transaction(app.state.services.sessions) as session:
        session.add_all([
            event("Hold", 10, Linkedid=row.linkedid, Uniqueid="x"),
            event("Unhold", 25.5, Linkedid=row.linkedid, Uniqueid="x"),
            event("BlindTransfer", 40, TransfererLinkedid=row.linkedid, Result="Success",
                  Extension="2000", Context="queues"),
            event("BlindTransfer", 50, TransfererLinkedid=row.linkedid, Result="Fail"),
            event("Hold", 30, Linkedid="another-call", Uniqueid="y"),
            event("Hold", 600, Linkedid=row.linkedid, Uniqueid="x"),  # after the recording
        ])  # fmt: skip
    qa = await headers_for(app, settings, Role.qa)
    got = await client.get(f"/api/v1/recordings/{row.id}/events", headers=qa)
    assert got.status_code == 200, got.text
    assert got.json() == [
        {"at_s": 10.0, "kind": "hold", "detail": ""},
        {"at_s": 25.5, "kind": "unhold", "detail": ""},
        {"at_s": 40.0, "kind": "transfer", "detail": "2000@queues"},
    ]
    agent = await headers_for(app, settings, Role.agent)
    assert (
        await client.get(f"/api/v1/recordings/{row.id}/events", headers=agent)
    ).status_code == 403
