"""The admin inbox over HTTP: hand-off, take, reply by reply token or push, idempotent and
failed sends, SLA order and masking. The clock is injected; the stand-in checks LINE's rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import PASSWORD, ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def _handed_off(world: ChatWorld, text: str = "แอดมิน") -> tuple[str, int]:
    """A customer who asked for an admin (the bot told them the reply time): (LINE id, conv)."""
    return await world.handed_off(text)


async def _post(world: ChatWorld, path: str, headers: dict[str, str], **body: Any) -> Any:
    r = await world.client.post(f"/api/v1/chat/conversations/{path}", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_an_admin_reply_within_the_token_window_goes_by_reply_after_it_by_push(
    world: ChatWorld,
) -> None:
    user, conv = await _handed_off(world)
    agent = await world.user(Role.agent)
    await _post(world, f"{conv}/take", agent)

    world.clock.advance(5)
    await world.line.send_webhook([world.line.text_event(user, "ร้านไม่ส่งของค่ะ")])
    await poll(lambda: _detail_has(world, conv, agent, "ร้านไม่ส่งของค่ะ"), timeout_s=10, what="stored")
    world.clock.advance(10)  # 10 s after the customer's message: their reply token still holds
    await _post(world, f"{conv}/reply", agent, text="รับเรื่องแล้วค่ะ ขอชื่อร้านด้วยค่ะ")
    first = await poll(lambda: _sent(world, user, "รับเรื่องแล้วค่ะ ขอชื่อร้านด้วยค่ะ"), timeout_s=10)
    assert first.method == "reply"

    world.clock.advance(45)  # that token is spent, and the window has gone by anyway
    await _post(world, f"{conv}/reply", agent, text="เจ้าหน้าที่ยังรอข้อมูลอยู่นะคะ")
    second = await poll(lambda: _sent(world, user, "เจ้าหน้าที่ยังรอข้อมูลอยู่นะคะ"), timeout_s=10)
    assert second.method == "push" and second.retry_key is not None
    assert world.line.refusals == []

    detail = await _get(world, conv, agent)
    assert [m["delivery_method"] for m in _admin_sent(detail)] == ["reply", "push"]
    assert detail["state"] == "assigned" and detail["waiting_s"] == pytest.approx(15)


async def test_a_push_whose_answer_was_lost_is_retried_with_its_key_and_delivered_once(
    world: ChatWorld,
) -> None:
    user, conv = await _handed_off(world)
    agent = await world.user(Role.agent)
    world.clock.advance(60)  # past the reply token: the answer goes by push
    world.line.fail_next("push", status=500, accept=True)  # LINE took it; the 200 was lost
    await _post(world, f"{conv}/take", agent)
    await _post(world, f"{conv}/reply", agent, text="ขอเลขคำสั่งซื้อด้วยค่ะ")
    # the first attempt: delivered by LINE, but to the desk it failed; the send waits
    await poll(lambda: world.line.delivered_to(user)[1:], timeout_s=10, what="first push")
    await world.desk.send_due()  # not due yet: nothing happens
    assert await _delivery(world, conv, agent) == "pending"

    world.clock.advance(world.settings.chat_send_backoff_s)  # the retry is due
    await poll(lambda: _delivery(world, conv, agent, want="sent"), timeout_s=10, what="retried")
    pushes = [d for d in world.line.delivered_to(user) if d.method == "push"]
    assert [m["text"] for d in pushes for m in d.messages] == ["ขอเลขคำสั่งซื้อด้วยค่ะ"]


async def test_a_send_that_keeps_failing_is_shown_failed_to_the_admin(world: ChatWorld) -> None:
    user, conv = await _handed_off(world)
    agent = await world.user(Role.agent)
    world.clock.advance(60)
    for _ in range(world.settings.chat_send_attempts):
        world.line.fail_next("push", status=500)
    await _post(world, f"{conv}/take", agent)
    refused_before = len(world.line.refusals)
    await _post(world, f"{conv}/reply", agent, text="ข้อความนี้ส่งไม่ถึง")  # the first try: now
    for attempt in range(1, world.settings.chat_send_attempts + 1):
        await poll(
            lambda n=attempt: len(world.line.refusals) - refused_before >= n,
            timeout_s=10, what=f"push attempt {attempt}",
        )  # fmt: skip
        world.clock.advance(world.settings.chat_send_backoff_s * 8)  # the next try is due
    await poll(lambda: _delivery(world, conv, agent, want="failed"), timeout_s=10, what="failed")
    detail = await _get(world, conv, agent)
    [mine] = _admin_sent(detail)
    assert mine["delivery"] == "failed" and mine["delivery_error"].startswith("push: 500")
    assert detail["failed_sends"] == 1
    assert not [d for d in world.line.delivered_to(user) if d.method == "push"]


async def test_the_waiting_list_is_ordered_by_time_left_and_masks_data_for_other_agents(
    world: ChatWorld,
) -> None:
    older, older_conv = await _handed_off(world)
    world.clock.advance(120)
    newer, newer_conv = await _handed_off(world, "talk to an admin")
    supervisor = await world.user(Role.supervisor)
    agent, other = await world.user(Role.agent), await world.user(Role.agent)
    r = await world.client.get("/api/v1/chat/conversations?state=waiting", headers=supervisor)
    waiting = [c for c in r.json() if c["id"] in (older_conv, newer_conv)]
    assert [c["id"] for c in waiting] == [older_conv, newer_conv]  # the older is due first
    assert waiting[1]["time_left_s"] - waiting[0]["time_left_s"] == pytest.approx(120)
    assert waiting[0]["customer_id"] == older

    await _post(world, f"{newer_conv}/take", agent)
    await poll(  # the display name is looked up from LINE after the event is applied
        lambda: _named(world, newer_conv, supervisor), timeout_s=10, what="LINE profile"
    )
    r = await world.client.get(f"/api/v1/chat/conversations/{newer_conv}", headers=other)
    seen_by_other = r.json()
    assert seen_by_other["customer_id"] != newer and seen_by_other["customer_id"].endswith(
        newer[-4:]
    )
    assert seen_by_other["messages"][0]["text"] == "t***"
    assert seen_by_other["customer_name"] == "ล***"  # LINE's display name, masked
    mine = await _get(world, newer_conv, agent)
    assert mine["messages"][0]["text"] == "talk to an admin"
    assert mine["customer_name"] == world.line.profiles[newer] == f"ลูกค้า {newer[-4:]}"

    r = await world.client.post(
        f"/api/v1/chat/conversations/{newer_conv}/reply", json={"text": "hi"}, headers=other
    )
    assert r.status_code == 409 and r.json()["error_id"] == "conversation_held"
    await _post(world, f"{newer_conv}/close", agent)
    r = await world.client.post(
        f"/api/v1/chat/conversations/{newer_conv}/reply", json={"text": "hi"}, headers=agent
    )
    assert r.status_code == 409 and r.json()["error_id"] == "conversation_closed"


async def test_qa_may_not_use_the_inbox_and_an_empty_reply_is_refused(world: ChatWorld) -> None:
    qa = await world.user(Role.qa)
    r = await world.client.get("/api/v1/chat/conversations", headers=qa)
    assert r.status_code == 403 and r.json()["error_id"] == "forbidden"
    _, conv = await _handed_off(world)
    agent = await world.user(Role.agent)
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/reply", json={"text": ""}, headers=agent
    )
    assert r.status_code == 422 and r.json()["error_id"] == "validation_failed"
    r = await world.client.post("/api/v1/chat/conversations/999999/take", headers=agent)
    assert r.status_code == 404 and r.json()["error_id"] == "not_found"
    await _post(world, f"{conv}/take", agent)  # the customer asked for an admin: no line chosen
    r = await world.client.post(f"/api/v1/chat/conversations/{conv}/case", json={}, headers=agent)
    assert r.status_code == 422 and r.json()["details"]["field"] == "service_line"


async def _get(world: ChatWorld, conv: int, headers: dict[str, str]) -> Any:
    r = await world.client.get(f"/api/v1/chat/conversations/{conv}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _detail_has(world: ChatWorld, conv: int, headers: dict[str, str], text: str) -> bool:
    return any(m["text"] == text for m in (await _get(world, conv, headers))["messages"])


def _sent(world: ChatWorld, user: str, text: str) -> Any:
    return next(
        (
            d
            for d in world.line.delivered_to(user)
            if any(m.get("text") == text for m in d.messages)
        ),
        None,
    )


async def _delivery(
    world: ChatWorld, conv: int, headers: dict[str, str], want: str | None = None
) -> Any:
    detail = await _get(world, conv, headers)
    [mine] = _admin_sent(detail)
    return mine["delivery"] == want if want else mine["delivery"]


def _admin_sent(detail: Any) -> list[Any]:
    """The conversation's messages an admin wrote (not the desk's hand-off and close notes)."""
    return [
        m for m in detail["messages"] if m["author"] == "admin" and m["direction"] == "outbound"
    ]


async def test_a_supervisor_assigns_a_conversation_away_from_one_agent_to_another(
    world: ChatWorld,
) -> None:
    _, conv = await _handed_off(world)
    supervisor = await world.user(Role.supervisor)
    first, first_id = await _agent(world)
    second, second_id = await _agent(world)
    await _post(world, f"{conv}/take", first)
    moved = await _post(world, f"{conv}/assign", supervisor, user_id=second_id)
    assert moved["assigned_user_id"] == second_id and moved["state"] == "assigned"
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/reply", json={"text": "ยังอยู่ค่ะ"}, headers=first
    )
    assert r.status_code == 409 and r.json()["error_id"] == "conversation_held"
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/assign", json={"user_id": first_id}, headers=second
    )
    assert r.status_code == 403  # agents take; only supervisors move conversations
    _, qa_id = await world.account(Role.qa)
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/assign", json={"user_id": qa_id}, headers=supervisor
    )
    assert r.status_code == 422 and r.json()["error_id"] == "invalid_input"
    assert (await _get(world, conv, supervisor))["assigned_user_id"] == second_id


async def _agent(world: ChatWorld) -> tuple[dict[str, str], int]:
    name, user_id = await world.account(Role.agent)
    r = await world.client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}, user_id


async def _named(world: ChatWorld, conv: int, headers: dict[str, str]) -> bool:
    return bool((await _get(world, conv, headers))["customer_name"])


async def test_an_admin_opens_the_conversations_case_pre_filled_from_it(world: ChatWorld) -> None:
    user = new_user_id()
    await world.line.send_webhook([world.line.postback_event(user, "line=online-shopping")])
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="hand-off")
    await world.line.send_webhook([world.line.text_event(user, "สั่งโทรศัพท์แล้วไม่ได้ของค่ะ")])
    agent, _ = await _agent(world)
    supervisor = await world.user(Role.supervisor)
    # the second message is applied, and the name looked up, in the background
    conv = await poll(lambda: _conv_with(world, user, supervisor, 2), timeout_s=10)
    other, _ = await _agent(world)
    r = await world.client.post(f"/api/v1/chat/conversations/{conv}/case", json={}, headers=other)
    assert r.status_code == 409 and r.json()["error_id"] == "conversation_held"  # not theirs

    await _post(world, f"{conv}/take", agent)
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/case",
        json={"category": "item-not-received", "caller_phone": "0812345678"}, headers=agent,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    r = await world.client.get(f"/api/v1/cases/{case_id}", headers=agent)
    case = r.json()
    assert case["number"].startswith("1212-") and case["channel"] == "line"
    assert case["service_line"]["code"] == "online-shopping"  # what the customer chose
    assert case["category"]["label_th"] == "ไม่ได้รับสินค้า"
    assert case["caller_name"] == world.line.profiles[user]
    assert case["description"] == "ซื้อขายออนไลน์\nสั่งโทรศัพท์แล้วไม่ได้ของค่ะ"
    assert case["assigned_user_id"] is not None
    r = await world.client.post(f"/api/v1/chat/conversations/{conv}/case", json={}, headers=agent)
    assert r.status_code == 409 and r.json()["error_id"] == "conversation_has_case"


async def _conv_with(
    world: ChatWorld, user: str, headers: dict[str, str], customer_messages: int
) -> int | None:
    r = await world.client.get("/api/v1/chat/conversations?state=waiting", headers=headers)
    found = [c["id"] for c in r.json() if c["customer_id"] == user]
    if not found or not (await _get(world, found[0], headers))["customer_name"]:
        return None
    said = [
        m for m in (await _get(world, found[0], headers))["messages"] if m["author"] == "customer"
    ]
    return found[0] if len(said) >= customer_messages else None
