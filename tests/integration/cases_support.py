"""Helpers of the case tests: users with tokens, a case body."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate

PASSWORD = "cases-test-password"


class Person:
    def __init__(self, user_id: int, username: str, token: str) -> None:
        self.id, self.username = user_id, username
        self.headers = {"Authorization": f"Bearer {token}"}


async def person(app: FastAPI, client: httpx.AsyncClient, role: Role) -> Person:
    """A fresh user of that role, logged in."""
    name = f"{role.value}-{uuid.uuid4().hex[:8]}"
    async with app.state.sessions() as session, session.begin():
        user = await user_service.create(
            session=session, user_in=UserCreate(username=name, password=PASSWORD, role=role)
        )
        user_id = user.id
    r = await client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return Person(user_id, name, str(r.json()["access_token"]))


def unique_phone() -> str:
    return "08" + str(uuid.uuid4().int)[:8]


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "caller_name": "สมหญิง รักดี",
        "caller_phone": unique_phone(),
        "caller_email": "somying@example.co.th",
        "caller_national_id": "1101700203451",
        "service_line": "online-shopping",
        "category": "item-not-received",
        "description": "สั่งซื้อโทรศัพท์มือถือจากร้านค้าออนไลน์แต่ไม่ได้รับสินค้า",
        "amount_lost": "1590.50",
        "shop_name": "ร้านมือถือราคาถูก",
        "platform": "Facebook",
        "url": "https://facebook.com/cheap-phones",
    }
    body.update(overrides)
    return body
