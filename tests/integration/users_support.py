"""Users of the tests: a fresh user of a role, logged in (its bearer token)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate

PASSWORD = "cases-test-password"


class Person:
    def __init__(self, user_id: int, username: str, token: str) -> None:
        self.id, self.username, self.token = user_id, username, token
        self.headers = {"Authorization": f"Bearer {token}"}


async def person(app: FastAPI, client: httpx.AsyncClient, role: Role) -> Person:
    """A fresh user of that role, logged in."""
    name = f"{role.value}-{uuid.uuid4().hex[:8]}"
    async with app.state.services.sessions() as session, session.begin():
        user = await user_service.create(
            session=session, user_in=UserCreate(username=name, password=PASSWORD, role=role)
        )
        user_id = user.id
    r = await client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return Person(user_id, name, str(r.json()["access_token"]))


async def token_for(app: FastAPI, client: httpx.AsyncClient, role: Role) -> str:
    """The bearer token of a fresh user of that role."""
    return (await person(app, client, role)).token
