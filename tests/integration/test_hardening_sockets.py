"""Websockets admit exactly whom their REST twins admit, and only from this service's pages.

/ws/wallboard is the twin of GET /api/v1/live, /ws/agent of GET /api/v1/desk/state: every
role (and an agent or admin with and without a centre agent id) gets the same answer from
both: data on one means 200 on the other, close 4403 means 403.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from callcenter.users import service as user_service
from callcenter.users.models import Role, User
from callcenter.users.schemas import UserCreate
from tests.integration.browser import serve
from tests.integration.users_support import PASSWORD, Person

pytestmark = pytest.mark.integration

TWINS = {"/ws/wallboard": "/api/v1/live", "/ws/agent": "/api/v1/desk/state"}
# (role, linked to a centre agent) -> sockets it may open
ALLOWED = {
    (Role.agent, True): {"/ws/agent"},
    (Role.agent, False): set(),  # the issue's case: it was sent the supervisors' board
    (Role.supervisor, False): {"/ws/wallboard"},
    (Role.qa, False): set(),
    (Role.admin, False): {"/ws/wallboard"},
    (Role.admin, True): {"/ws/wallboard", "/ws/agent"},
}


async def _free_agent_id(app: FastAPI) -> str:
    async with app.state.services.sessions() as session:
        taken = set(await session.scalars(select(User.agent_id)))
    return next(a.id for a in app.state.services.layout.agents if a.id not in taken)


async def _user(app: FastAPI, client: httpx.AsyncClient, role: Role, linked: bool) -> Person:
    name = f"ws-{role.value}-{uuid.uuid4().hex[:8]}"
    async with app.state.services.sessions() as session, session.begin():
        agent_id = await _free_agent_id(app) if linked else None
        user_in = UserCreate(username=name, password=PASSWORD, role=role, agent_id=agent_id)
        user = await user_service.create(session=session, user_in=user_in)
        user_id = user.id
    r = await client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return Person(user_id, name, str(r.json()["access_token"]))


async def _outcome(ws: ClientConnection) -> str:
    """'data' when the first frame is a snapshot, else the close code."""
    try:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None
        return str(closed.rcvd.code)
    assert frame[0]["type"] == "snapshot", frame
    return "data"


async def _open(url: str, **options: Any) -> str:
    async with connect(url, open_timeout=10, **options) as ws:
        return await _outcome(ws)


async def test_every_socket_and_role_is_answered_as_its_rest_twin(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with serve(app) as base:
        ws_base = base.replace("http://", "ws://")
        for (role, linked), allowed in ALLOWED.items():
            who = await _user(app, client, role, linked)
            for socket, twin in TWINS.items():
                outcome = await _open(f"{ws_base}{socket}?token={who.token}")
                rest = (await client.get(twin, headers=who.headers)).status_code
                expected = "data" if socket in allowed else "4403"
                assert (outcome, rest) == (expected, 200 if expected == "data" else 403), (
                    role, linked, socket,
                )  # fmt: skip
        # Nobody logged in: 4401 on both, as 401 on the twins.
        async with httpx.AsyncClient(base_url=base) as stranger:  # no cookie from the logins
            for socket, twin in TWINS.items():
                assert await _open(f"{ws_base}{socket}") == "4401"
                assert (await stranger.get(twin)).status_code == 401


async def test_a_socket_from_another_origin_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    supervisor = await _user(app, client, Role.supervisor, False)
    cookie = {"Cookie": f"cc_token={supervisor.token}"}
    async with serve(app) as base:
        url = base.replace("http://", "ws://") + "/ws/wallboard"
        # Another page on this machine (another localhost port) riding the cookie: refused.
        for foreign in ("http://127.0.0.1:9", "http://localhost:8000", "null"):
            outcome = await _open(url, origin=foreign, additional_headers=cookie)  # type: ignore[arg-type]
            assert outcome == "4403", foreign
        # This service's own page, and a non-browser client (no Origin) with a token.
        assert await _open(url, origin=base, additional_headers=cookie) == "data"  # type: ignore[arg-type]
        assert await _open(f"{url}?token={supervisor.token}") == "data"
