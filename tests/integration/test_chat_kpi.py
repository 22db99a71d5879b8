"""chat-v1 over the API equals the recount from the stored messages, on a day whose figures
are known: handled in and past the SLA, gone before a reply, still waiting (late or not)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from callcenter.chat import kpi
from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):  # a database of its own: only this day in it
        yield built


async def _asks_for_admin(world: ChatWorld) -> tuple[str, int]:
    user = new_user_id()
    await world.line.send_webhook([world.line.text_event(user, "ขอคุยกับแอดมิน")])
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="hand-off")
    return user, await _conversation_of(world, user)


async def _conversation_of(world: ChatWorld, user: str, state: str = "open") -> Any:
    headers = await world.user(Role.supervisor)
    r = await world.client.get(f"/api/v1/chat/conversations?state={state}", headers=headers)
    found = [c["id"] for c in r.json() if c["customer_id"] == user]
    return found[0] if found else None


async def _do(world: ChatWorld, headers: dict[str, str], conv: int, what: str, **body: Any) -> None:
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/{what}", json=body or None, headers=headers
    )
    assert r.status_code == 200, r.text


async def _api(world: ChatWorld, start: datetime, end: datetime) -> Any:
    headers = await world.user(Role.supervisor)
    params = {"from": start.isoformat(), "to": end.isoformat()}
    r = await world.client.get("/api/v1/chat/kpi", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_chat_kpis_of_a_known_day_equal_the_recount_from_stored_messages(
    world: ChatWorld,
) -> None:
    t0, agent = world.clock(), await world.user(Role.agent)
    _, handled_in_time = await _asks_for_admin(world)  # t0
    world.clock.advance(60)
    _, handled_late = await _asks_for_admin(world)  # t0 + 60
    world.clock.advance(60)
    blocker, _ = await _asks_for_admin(world)  # t0 + 120
    world.clock.advance(60)
    _, closed_unanswered = await _asks_for_admin(world)  # t0 + 180
    world.clock.advance(20)
    await _asks_for_admin(world)  # t0 + 200: nobody answers, late by the end

    world.clock.advance(100)  # t0 + 300: a customer blocks the account before any reply
    await world.line.send_webhook([world.line.event("unfollow", blocker)])
    await poll(lambda: _conversation_of(world, blocker, "closed"), timeout_s=10, what="gone")
    world.clock.advance(100)  # t0 + 400
    await _do(world, agent, closed_unanswered, "take")
    await _do(world, agent, closed_unanswered, "close")
    world.clock.advance(200)  # t0 + 600: answered 600 s after the hand-off
    await _do(world, agent, handled_in_time, "reply", text="สวัสดีค่ะ เจ้าหน้าที่รับเรื่องแล้ว")
    world.clock.advance(1860)  # t0 + 2460: answered 2400 s after its hand-off, past 1800
    await _do(world, agent, handled_late, "reply", text="ขออภัยที่ให้รอค่ะ")
    world.clock.advance(540)  # t0 + 3000
    await _asks_for_admin(world)  # waiting, not due yet
    world.clock.advance(100)  # t0 + 3100

    day = await _api(world, t0 - timedelta(seconds=1), t0 + timedelta(hours=2))
    assert day["definition"] == "chat-v1"
    assert day["total"] == {
        "chat_offered": 6, "chat_handled": 2, "chat_abandoned": 2, "chat_waiting": 2,
        "chat_answered_within_sla": 1,
        "chat_sl_pct": 20.0,  # 1 of 5 known: 2 handled, 2 gone, 1 waiting past its 30 min
        "chat_first_response_p50_s": 600.0, "chat_first_response_p90_s": 2400.0,
    }  # fmt: skip
    assert day["channels"]["line"] == day["total"]
    async with world.sessions() as session:
        recounted = await kpi.recount(
            session=session, start=t0 - timedelta(seconds=1), end=t0 + timedelta(hours=2),
            sla=world.desk.sla, now=world.clock(),
        )  # fmt: skip
    assert recounted == day

    later = await _api(world, t0 + timedelta(seconds=150), t0 + timedelta(hours=2))
    assert later["total"]["chat_offered"] == 3  # handed off at +180, +200 and +3000


async def test_the_kpi_period_must_run_forward_with_a_time_zone(world: ChatWorld) -> None:
    headers = await world.user(Role.supervisor)
    params = {"from": "2026-12-07T10:00:00+07:00", "to": "2026-12-07T09:00:00+07:00"}
    r = await world.client.get("/api/v1/chat/kpi", params=params, headers=headers)
    assert r.status_code == 422 and r.json()["error_id"] == "invalid_input"
    agent = await world.user(Role.agent)
    params = {"from": "2026-12-07T09:00:00+07:00", "to": "2026-12-07T10:00:00+07:00"}
    r = await world.client.get("/api/v1/chat/kpi", params=params, headers=agent)
    assert r.status_code == 403
