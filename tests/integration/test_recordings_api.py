"""QA access: who may list and play, the audit trail, legal hold, immutable QA scores."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from recordings.models import Recording
from tests.integration.cases_support import case_body
from tests.integration.conftest import cli
from tests.integration.recordings_support import simulator, uploaded_call

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Vault:
    recording_id: int
    sha256: str
    caller: str
    agent: str
    headers: dict[Role, dict[str, str]]


async def token_for(app: FastAPI, settings: Settings, role: Role) -> dict[str, str]:
    name = f"{role.value}-{uuid.uuid4().hex[:8]}"
    async with transaction(app.state.services.sessions) as session:
        user = await user_service.create(
            session=session,
            user_in=UserCreate(username=name, password="long-enough-pw-1", role=role),
        )
    token = security.issue_token(settings=settings, user_id=user.id, role=role.value)
    return {"Authorization": f"Bearer {token}", "User-Agent": f"pytest-{role.value}"}


@pytest.fixture(scope="module")
async def vault(app: FastAPI, settings: Settings) -> AsyncIterator[Vault]:
    """One real recorded call, uploaded into the stack's bucket, and a user of every role."""
    caller = "0812345678"
    async with simulator(settings) as ami:
        row, sha = await uploaded_call(app, settings, ami, caller=caller)
    headers = {role: await token_for(app, settings, role) for role in Role}
    yield Vault(row.id, sha, caller, row.agent, headers)


async def audit_actions(client: httpx.AsyncClient, vault: Vault) -> list[dict[str, object]]:
    response = await client.get(
        "/api/v1/audit",
        params={"recording_id": vault.recording_id},
        headers=vault.headers[Role.admin],
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()
    return rows


async def test_agent_gets_403_and_qa_plays_with_an_audit_row(
    client: httpx.AsyncClient, vault: Vault
) -> None:
    url = f"/api/v1/recordings/{vault.recording_id}/audio"
    denied = await client.get(url, headers=vault.headers[Role.agent])
    assert denied.status_code == 403
    assert denied.json()["error_id"] == "recording_audio_forbidden"

    played = await client.get(url, headers=vault.headers[Role.qa])
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/ogg"
    assert hashlib.sha256(played.content).hexdigest() == vault.sha256

    rows = await audit_actions(client, vault)
    play = [r for r in rows if r["action"] == "play"]
    assert play and play[0]["role"] == "qa" and play[0]["client_ip"]
    assert play[0]["user_agent"] == "pytest-qa"
    assert not [r for r in rows if r["role"] == "agent"]  # refused requests read nothing

    download = await client.get(url, params={"download": 1}, headers=vault.headers[Role.supervisor])
    assert "attachment" in download.headers["content-disposition"]
    assert next(r["action"] for r in await audit_actions(client, vault)) == "download"


async def test_list_masks_callers_for_qa_and_is_audited(
    client: httpx.AsyncClient, vault: Vault
) -> None:
    params = {"agent": vault.agent, "min_duration_s": 0.5}
    as_qa = await client.get("/api/v1/recordings", params=params, headers=vault.headers[Role.qa])
    assert as_qa.status_code == 200
    (mine,) = [r for r in as_qa.json() if r["id"] == vault.recording_id]
    assert mine["caller"] == "******5678" and mine["caller_masked"]
    assert mine["upload_state"] == "verified" and mine["sha256"] == vault.sha256

    params = {"caller": vault.caller}
    sup = await client.get(
        "/api/v1/recordings", params=params, headers=vault.headers[Role.supervisor]
    )
    assert [r["caller"] for r in sup.json() if r["id"] == vault.recording_id] == [vault.caller]

    assert (
        await client.get("/api/v1/recordings", headers=vault.headers[Role.agent])
    ).status_code == 403
    bad = await client.get(
        "/api/v1/recordings", params={"from": "yesterday"}, headers=vault.headers[Role.qa]
    )
    assert bad.status_code == 422 and bad.json()["error_id"] == "validation_failed"
    audit = await client.get(
        "/api/v1/audit", params={"action": "list"}, headers=vault.headers[Role.admin]
    )
    assert any(r["role"] == "qa" for r in audit.json())
    assert (await client.get("/api/v1/audit", headers=vault.headers[Role.qa])).status_code == 403


async def test_the_catalogue_shows_the_case_the_call_was_linked_to(
    client: httpx.AsyncClient, vault: Vault
) -> None:
    sup = vault.headers[Role.supervisor]
    listed = await client.get("/api/v1/recordings", params={"caller": vault.caller}, headers=sup)
    (row,) = [r for r in listed.json() if r["id"] == vault.recording_id]
    case = await client.post("/api/v1/cases", json=case_body(), headers=sup)
    assert case.status_code == 201, case.text
    linked = await client.post(
        f"/api/v1/cases/{case.json()['id']}/calls", json={"linkedid": row["linkedid"]}, headers=sup
    )
    assert linked.status_code == 200, linked.text

    again = await client.get("/api/v1/recordings", params={"caller": vault.caller}, headers=sup)
    (row,) = [r for r in again.json() if r["id"] == vault.recording_id]
    assert row["case_id"] == case.json()["id"]


async def test_legal_hold_on_and_off(app: FastAPI, client: httpx.AsyncClient, vault: Vault) -> None:
    url = f"/api/v1/recordings/{vault.recording_id}/legal-hold"
    on = await client.put(
        url, json={"on": True, "reason": "complaint 42"}, headers=vault.headers[Role.qa]
    )
    assert on.status_code == 200 and on.json()["legal_hold"] is True
    row = on.json()
    assert app.state.services.s3.is_object_legal_hold_enabled(
        row["bucket"], row["object_key"], version_id=row["version_id"]
    )
    off = await client.put(url, json={"on": False}, headers=vault.headers[Role.supervisor])
    assert off.json()["legal_hold"] is False
    assert not app.state.services.s3.is_object_legal_hold_enabled(
        row["bucket"], row["object_key"], version_id=row["version_id"]
    )
    denied = await client.put(url, json={"on": True}, headers=vault.headers[Role.agent])
    assert denied.status_code == 403


async def test_evaluations_are_weighted_immutable_and_superseded_with_a_reason(
    app: FastAPI, client: httpx.AsyncClient, vault: Vault
) -> None:
    qa = vault.headers[Role.qa]
    (form,) = [
        f
        for f in (await client.get("/api/v1/qa/forms", headers=qa)).json()
        if f["name"] == "1212 standard"
    ]
    ratings = {c["key"]: 100.0 for c in form["criteria"]}
    ratings["accuracy"] = 50.0  # weight 3 of 9
    url = f"/api/v1/recordings/{vault.recording_id}/evaluations"
    first = await client.post(
        url, json={"form_id": form["id"], "ratings": ratings, "comments": "ok"}, headers=qa
    )
    assert first.status_code == 201, first.text
    assert first.json()["score"] == pytest.approx(83.33, abs=0.01)

    partial = await client.post(
        url, json={"form_id": form["id"], "ratings": {"greeting": 90}}, headers=qa
    )
    assert partial.status_code == 422 and partial.json()["error_id"] == "qa_evaluation_invalid"
    body = {"form_id": form["id"], "ratings": ratings, "supersedes_id": first.json()["id"]}
    no_reason = await client.post(url, json=body, headers=qa)
    assert no_reason.status_code == 422
    second = await client.post(url, json={**body, "reason": "misheard"}, headers=qa)
    assert second.status_code == 201
    again = await client.post(url, json={**body, "reason": "twice"}, headers=qa)
    assert again.status_code == 409 and again.json()["error_id"] == "qa_evaluation_superseded"

    listed = (await client.get(url, headers=qa)).json()
    assert [e["superseded"] for e in listed] == [True, False]
    for table in ("qa_evaluations", "audit_log"):
        with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
            async with transaction(app.state.services.sessions) as session:
                await session.execute(text(f"UPDATE {table} SET id = id"))  # noqa: S608


async def test_cli_lists_the_catalogue_and_the_disposal_report(
    app: FastAPI, settings: Settings, vault: Vault
) -> None:
    env = dict(os.environ, CALLCENTER_DATABASE_URL=settings.database_url)
    listed = await asyncio.to_thread(cli, "recordings", "--agent", vault.agent, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    (row,) = [r for r in json.loads(listed.stdout) if r["id"] == vault.recording_id]
    assert row["caller"] == vault.caller and row["sha256"] == vault.sha256  # operators: in full

    async with app.state.services.sessions() as session:
        stored = await session.get(Recording, vault.recording_id)
    assert stored is not None and stored.retain_until is not None
    month = f"{stored.retain_until:%Y-%m}"
    report = await asyncio.to_thread(
        cli, "recordings", "disposal", "--month", month, "--json", env=env
    )
    assert report.returncode == 0, report.stderr
    (due,) = [r for r in json.loads(report.stdout) if r["id"] == vault.recording_id]
    assert due["in_store"] is True

    bad = await asyncio.to_thread(cli, "recordings", "disposal", "--month", "2027-13", env=env)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr
    bad = await asyncio.to_thread(cli, "recordings", "--from", "monday", env=env)
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr


async def test_agents_may_be_allowed_their_own_calls_only(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, vault: Vault
) -> None:
    async with transaction(app.state.services.sessions) as session:
        own = await user_service.create(
            session=session,
            user_in=UserCreate(username=vault.agent, password="long-enough-pw-1", role=Role.agent),
        )
    token = security.issue_token(settings=settings, user_id=own.id, role="agent")
    own_headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/recordings/{vault.recording_id}/audio"
    app.state.settings = settings.model_copy(update={"recordings_agent_own_calls": True})
    try:
        assert (await client.get(url, headers=own_headers)).status_code == 200
        other = await client.get(url, headers=vault.headers[Role.agent])
        assert other.status_code == 403 and other.json()["error_id"] == "recording_audio_forbidden"
        listed = await client.get("/api/v1/recordings", headers=own_headers)
        assert {r["agent"] for r in listed.json()} == {vault.agent}
    finally:
        app.state.settings = settings
