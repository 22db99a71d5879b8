"""Case search: Thai words inside sentences, English in any case, and the filters."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from callcenter.config import Settings
from callcenter.users.models import Role
from tests.integration.cases_support import case_body
from tests.integration.conftest import cli
from tests.integration.users_support import person

pytestmark = pytest.mark.integration


async def test_search_finds_thai_words_inside_sentences_and_english_in_any_case(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = await person(app, client, Role.agent)
    tag = uuid.uuid4().hex[:8]  # keeps this test's cases apart from the others'
    bodies = {
        "phone": case_body(description=f"{tag} สั่งซื้อโทรศัพท์มือถือจากร้านค้าออนไลน์แต่ไม่ได้รับสินค้า"),
        "loan": case_body(
            service_line="illegal-websites", category="loan-scam", shop_name="",
            description=f"{tag} มีคนโทรมาหลอกให้กู้เงินผ่านแอปพลิเคชัน Quick Loan",
        ),
        "link": case_body(
            service_line="cyber-threats", category="harmful-link", caller_name="John Smith",
            shop_name="",
            description=f"{tag} ได้รับ SMS ลิงก์ปลอมจากธนาคาร", channel="line",
        ),
    }  # fmt: skip
    ids = {}
    for key, body in bodies.items():
        r = await client.post("/api/v1/cases", json=body, headers=agent.headers)
        assert r.status_code == 201, r.text
        ids[r.json()["id"]] = key

    async def found(**params: str) -> set[str]:
        r = await client.get("/api/v1/cases", params=params, headers=agent.headers)
        assert r.status_code == 200, r.text
        return {ids[c["id"]] for c in r.json()["items"] if c["id"] in ids}

    assert await found(q=f"{tag} มือถือ") == {"phone"}  # inside โทรศัพท์มือถือ, inside a sentence
    assert await found(q=f"{tag} ไม่ได้รับสินค้า") == {"phone"}
    assert await found(q=f"{tag} สินค้า ร้านค้า") == {"phone"}  # any order
    assert await found(q=f"{tag} สินค้าไม่ได้รับ") == {"phone"}  # its words, in another order
    assert await found(q=f"{tag} ได้รับ") == {"phone", "link"}
    assert await found(q=f"{tag} กู้เงิน") == {"loan"}
    assert await found(q=f"{tag} QUICK loan") == {"loan"}  # English: case-insensitive
    assert await found(q=f"{tag} ลิงก์ปลอม") == {"link"}
    assert await found(q=f"{tag} เงินกู้ออนไลน์") == set()
    assert await found(q=f"{tag} ไม่ได้รับสินค้า", status="new", category="item-not-received") == {
        "phone"
    }
    assert await found(q=tag, service_line="cyber-threats") == {"link"}
    assert await found(q=tag, name="john") == {"link"}
    assert await found(q=tag, category="loan-scam") == {"loan"}
    assert await found(q=tag, status="closed") == set()
    now = datetime.now(UTC)
    window = {
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }
    assert await found(q=tag, **window) == {"phone", "loan", "link"}
    earlier = {
        "from": (now - timedelta(days=3)).isoformat(),
        "to": (now - timedelta(days=2)).isoformat(),
    }
    assert await found(q=tag, **earlier) == set()
    number = next(n for n in ids if ids[n] == "loan")
    r = await client.get(f"/api/v1/cases/{number}", headers=agent.headers)
    assert await found(number=r.json()["number"]) == {"loan"}


async def test_reindex_rebuilds_the_search_text(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = await person(app, client, Role.agent)
    tag = uuid.uuid4().hex[:8]
    body = case_body(description=f"{tag} เว็บพนันออนไลน์")
    r = await client.post("/api/v1/cases", json=body, headers=agent.headers)
    assert r.status_code == 201
    async with app.state.services.sessions() as session, session.begin():
        await session.execute(text("UPDATE cases SET search_doc = '' WHERE id = :id"),
                              {"id": r.json()["id"]})  # fmt: skip
    params = {"q": f"{tag} พนัน"}
    assert (await client.get("/api/v1/cases", params=params, headers=agent.headers)).json()[
        "total"
    ] == 0
    env = {**os.environ, "CALLCENTER_DATABASE_URL": settings.database_url}
    result = cli("cases", "reindex", env=env)
    assert result.returncode == 0, result.stderr
    assert "cases reindexed" in result.stdout
    found = (await client.get("/api/v1/cases", params=params, headers=agent.headers)).json()
    assert [c["id"] for c in found["items"]] == [r.json()["id"]]
