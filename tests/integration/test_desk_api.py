"""The agent desk's state endpoints and the supervisors' live help, against the real Asterisk.

Agents here use PJSIP endpoints nobody registers (agent34/agent36): queue
membership and pauses are real AMI actions and events; no call is offered to them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from callcenter.ami.client import AmiClient, message_to_dict
from callcenter.calls.models import QueueCall
from callcenter.config import Settings
from callcenter.simulate.runner import simulator_ami
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from tests.helpers import poll

pytestmark = pytest.mark.integration

PASSWORD = "correct-horse-1"
AGENT, OTHER, SUP_PHONE = "agent36", "agent34", "agent35"
QUEUE = "online-shopping"  # agent36's primary skill (penalty 0)


async def add_user(app: FastAPI, role: Role, agent_id: str | None) -> str:
    username = f"desk-{role.value}-{uuid.uuid4().hex[:6]}"
    async with app.state.services.sessions() as session, session.begin():
        user_in = UserCreate(username=username, password=PASSWORD, role=role, agent_id=agent_id)
        await user_service.create(session=session, user_in=user_in)
    return username


async def token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="module")
async def people(app: FastAPI, client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    await poll(lambda: app.state.services.ami.connected, timeout_s=20, what="AMI connected")
    users = {
        "agent": await add_user(app, Role.agent, AGENT),
        "other": await add_user(app, Role.agent, OTHER),
        "unlinked": await add_user(app, Role.agent, None),
        "supervisor": await add_user(app, Role.supervisor, SUP_PHONE),
    }
    return {name: await token(client, username) for name, username in users.items()}


@pytest.fixture
async def pause_events(settings: Settings) -> AsyncIterator[AmiClient]:
    """A second AMI login that keeps only QueueMemberPause events."""
    ami = simulator_ami(settings, event_filter="QueueMemberPause".__eq__)
    await ami.start()
    await ami.wait_connected(15)
    yield ami
    await ami.stop()


async def members(ami: AmiClient, queue: str) -> dict[str, dict[str, str]]:
    response = await ami.action({"Action": "QueueStatus", "Queue": queue}, as_list=True)
    events = [message_to_dict(m) for m in response]
    return {e["Name"]: e for e in events if e.get("Event") == "QueueMember"}


async def next_pause(ami: AmiClient, interface: str) -> dict[str, str]:
    while True:
        event = await ami.events.get()
        if event.get("Interface") == interface:
            return event


def engine_state(app: FastAPI, queue: str, interface: str) -> tuple[str, str]:
    import time

    state: tuple[str, str] = app.state.services.metrics.agents.state(queue, interface, time.time())
    return state


async def test_agent_logs_in_pauses_with_reason_and_logs_out(
    app: FastAPI, client: httpx.AsyncClient, people: dict[str, Any], pause_events: AmiClient
) -> None:
    me = people["agent"]
    r = await client.post("/api/v1/desk/login", json={"queues": [QUEUE]}, headers=me)
    assert r.status_code == 200, r.text
    try:
        member = (await members(app.state.services.ami, QUEUE))[AGENT]
        assert member["Location"] == f"PJSIP/{AGENT}"
        assert member["Penalty"] == "0" and member["Paused"] == "0"

        r = await client.post("/api/v1/desk/pause", json={"reason": "meal"}, headers=me)
        assert r.status_code == 200, r.text
        event = await poll_event(pause_events, f"PJSIP/{AGENT}")
        assert (event["Paused"], event.get("PausedReason") or event.get("Reason")) == ("1", "meal")
        await poll(
            lambda: engine_state(app, QUEUE, f"PJSIP/{AGENT}") == ("paused", "meal"),
            timeout_s=10, what="shown paused for a meal",
        )  # fmt: skip
        shown = (await client.get("/api/v1/desk/state", headers=me)).json()
        assert (shown["state"], shown["reason"]) == ("paused", "meal")
        assert (await members(app.state.services.ami, QUEUE))[AGENT]["Paused"] == "1"

        r = await client.post("/api/v1/desk/ready", headers=me)
        assert r.status_code == 200, r.text
        assert (await poll_event(pause_events, f"PJSIP/{AGENT}"))["Paused"] == "0"
    finally:
        r = await client.post("/api/v1/desk/logout", headers=me)
    assert r.status_code == 200, r.text
    assert AGENT not in await members(app.state.services.ami, QUEUE)


async def poll_event(ami: AmiClient, interface: str) -> dict[str, str]:
    import asyncio

    return await asyncio.wait_for(next_pause(ami, interface), timeout=10)


async def test_bad_reason_and_unskilled_queue_are_422_with_error_id(
    client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    me = people["agent"]
    r = await client.post("/api/v1/desk/pause", json={"reason": "nap"}, headers=me)
    assert r.status_code == 422
    assert r.json()["error_id"] == "unknown_pause_reason"
    assert "meal" in r.json()["details"]["allowed"]
    r = await client.post("/api/v1/desk/login", json={"queues": ["digital-law"]}, headers=me)
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown_queue")
    reasons = (await client.get("/api/v1/desk/pause-reasons", headers=me)).json()
    assert {"code": "training", "label_th": "อบรม", "label_en": "Training"} in reasons


async def test_an_agent_cannot_act_on_another_agent(
    app: FastAPI, client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    other = people["other"]
    # Naming someone else is refused outright; the endpoints only know the caller's agent.
    r = await client.post(
        "/api/v1/desk/pause", json={"reason": "break", "agent_id": AGENT}, headers=other
    )
    assert (r.status_code, r.json()["error_id"]) == (422, "validation_failed")
    r = await client.post("/api/v1/desk/login", json={"queues": [QUEUE]}, headers=other)
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown_queue")  # not agent34's skill
    sip = (await client.get("/api/v1/desk/sip", headers=other)).json()
    assert sip["authorization_user"] == OTHER and sip["uri"].startswith(f"sip:{OTHER}@")
    assert sip["ws_url"].startswith("ws://127.0.0.1:") and sip["ws_url"].endswith("/ws")
    assert AGENT not in await members(app.state.services.ami, QUEUE)
    # Supervisors and logins without an agent have no desk.
    r = await client.post("/api/v1/desk/ready", headers=people["supervisor"])
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")
    r = await client.get("/api/v1/desk/sip", headers=people["unlinked"])
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as anon:
        r = await anon.get("/api/v1/desk/sip")
    assert (r.status_code, r.json()["error_id"]) == (401, "not_authenticated")


async def test_supervisor_listen_whisper_barge_are_audited(
    client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    sup = people["supervisor"]
    for mode in ("listen", "whisper", "barge"):
        r = await client.post(
            "/api/v1/supervise", json={"agent_id": AGENT, "mode": mode}, headers=sup
        )
        assert r.status_code == 201, r.text
        row = r.json()
        assert (row["mode"], row["agent_id"], row["phone"], row["outcome"]) == (
            mode, AGENT, SUP_PHONE, "queued",
        )  # fmt: skip
    audit = (await client.get(f"/api/v1/supervise/audit?agent_id={AGENT}", headers=sup)).json()
    assert [a["mode"] for a in audit[:3]] == ["barge", "whisper", "listen"]
    assert all(a["username"].startswith("desk-supervisor-") and a["at"] for a in audit[:3])

    r = await client.post(
        "/api/v1/supervise", json={"agent_id": AGENT, "mode": "shout"}, headers=sup
    )
    assert (r.status_code, r.json()["error_id"]) == (422, "validation_failed")
    r = await client.post(
        "/api/v1/supervise", json={"agent_id": OTHER, "mode": "listen"}, headers=people["agent"]
    )
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")
    r = await client.get("/api/v1/supervise/audit", headers=people["agent"])
    assert r.status_code == 403


async def test_desk_page_is_for_agents(app: FastAPI, people: dict[str, Any]) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as anon:
        r = await anon.get("/desk")
        assert (r.status_code, r.headers["location"]) == (303, "/login?next=/desk")
    for who, status, text in (
        ("supervisor", 403, "The agent desk needs the agent role."),
        ("agent", 200, "/static/vendor/jssip.min.js"),
    ):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
            me = (await web.get("/api/v1/auth/me", headers=people[who])).json()
            r = await web.post(
                "/api/v1/auth/login", json={"username": me["username"], "password": PASSWORD}
            )
            assert r.status_code == 200
            page = await web.get("/desk")
            assert page.status_code == status and text in page.text
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
        bundle = await web.get("/static/vendor/jssip.min.js")
        assert bundle.status_code == 200 and "JsSIP" in bundle.text[:200]


async def test_disposition_is_stored_against_the_agents_call_and_listed(
    app: FastAPI, client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    me, other = people["agent"], people["other"]
    codes = (await client.get("/api/v1/desk/dispositions", headers=me)).json()
    assert {"code": "resolved", "label_th": "แก้ไขปัญหาได้ในสาย",
            "label_en": "Resolved on the call"} in codes  # fmt: skip
    linkedid = f"disp-{uuid.uuid4().hex[:8]}"
    async with app.state.services.sessions() as session, session.begin():
        session.add(
            QueueCall(
                call_id=linkedid, linkedid=linkedid, queue=QUEUE, caller="0812345678",
                entered_at=datetime.now(UTC) - timedelta(minutes=3), outcome="answered",
                agent=AGENT, talk_s=95,
            )
        )  # fmt: skip

    r = await client.post(
        "/api/v1/desk/dispositions", json={"call_id": linkedid, "code": "nap"}, headers=me
    )
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown_disposition")
    assert "resolved" in r.json()["details"]["allowed"]
    # Another agent cannot give this call a code; nor can anyone name a call that is not theirs.
    body = {"call_id": linkedid, "code": "resolved"}
    r = await client.post("/api/v1/desk/dispositions", json=body, headers=other)
    assert (r.status_code, r.json()["error_id"]) == (404, "unknown_call")

    r = await client.post("/api/v1/desk/dispositions", json=body, headers=me)
    assert r.status_code == 201, r.text
    assert (r.json()["code"], r.json()["label_en"], r.json()["state"]["agent_id"]) == (
        "resolved", "Resolved on the call", AGENT,
    )  # fmt: skip
    fixed = {**body, "code": "case-opened", "note": "เปิดเรื่องแล้ว"}
    assert (
        await client.post("/api/v1/desk/dispositions", json=fixed, headers=me)
    ).status_code == 201

    recent = (await client.get("/api/v1/desk/calls", headers=me)).json()
    row = next(c for c in recent if c["call_id"] == linkedid)
    assert (row["disposition"], row["number"], row["talk_s"], row["direction"]) == (
        "case-opened", "0812345678", 95, "inbound",
    )  # fmt: skip
    assert all(
        c["call_id"] != linkedid
        for c in (await client.get("/api/v1/desk/calls", headers=other)).json()
    )

    # Both codes are kept, with who gave them: the trail cannot be edited.
    async with app.state.services.sessions() as session:
        rows = (
            await session.execute(
                sql("select code, username, note from call_dispositions where linkedid = :l "
                     "order by id"), {"l": linkedid},
            )
        ).all()  # fmt: skip
        assert [(c, n) for c, _, n in rows] == [("resolved", ""), ("case-opened", "เปิดเรื่องแล้ว")]
        assert all(u.startswith("desk-agent-") for _, u, _ in rows)
    with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
        async with app.state.services.sessions() as session, session.begin():
            await session.execute(
                sql("update call_dispositions set code = 'x' where linkedid = :l"),
                {"l": linkedid},
            )


async def test_dial_pad_refuses_numbers_the_centre_does_not_dial(
    client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    me = people["agent"]
    for bad in ("12", "0812345678,1", "abc"):
        r = await client.post("/api/v1/desk/dial", json={"number": bad}, headers=me)
        assert (r.status_code, r.json()["error_id"]) == (422, "invalid_number"), r.text
        assert "0812345678" in r.json()["message"] and r.json()["details"]["hint_th"]
    r = await client.post("/api/v1/desk/dial", json={"number": ""}, headers=me)
    assert (r.status_code, r.json()["error_id"]) == (422, "validation_failed")
    r = await client.post(
        "/api/v1/desk/dial", json={"number": "0812345678"}, headers=people["supervisor"]
    )
    assert r.status_code == 403
