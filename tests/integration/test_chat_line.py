"""LINE chat end to end: the stand-in posts signed webhooks to the served app over HTTP, the
desk answers through the official SDK to the stand-in; the clock is injected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.chat.models import Message, WebhookEvent
from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def _stored_events(world: ChatWorld, event_id: str) -> int:
    async with world.sessions() as session:
        stmt = select(func.count()).where(WebhookEvent.event_id == event_id)
        return int(await session.scalar(stmt) or 0)


async def _messages(world: ChatWorld, user_id: str) -> list[dict[str, Any]]:
    """What the customer got, in order (the stand-in's record)."""
    return [m for d in world.line.delivered_to(user_id) for m in d.messages]


async def _conversation(world: ChatWorld, user_id: str, headers: dict[str, str]) -> Any:
    r = await world.client.get("/api/v1/chat/conversations?state=open", headers=headers)
    assert r.status_code == 200, r.text
    ids = [c["id"] for c in r.json() if c["customer_id"] == user_id]
    assert ids, f"no open conversation of {user_id}"
    r = await world.client.get(f"/api/v1/chat/conversations/{ids[0]}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_webhook_with_a_wrong_or_missing_signature_is_refused_and_not_stored(
    world: ChatWorld,
) -> None:
    event = world.line.text_event(new_user_id(), "สวัสดี")
    r = await world.line.send_webhook([event], secret="not-the-channel-secret")
    assert r.status_code == 401
    assert r.json()["error_id"] == "webhook_signature_invalid"
    r = await world.client.post("/webhooks/line", json={"destination": "U", "events": [event]})
    assert r.status_code == 401
    assert r.json()["error_id"] == "webhook_signature_invalid"
    assert await _stored_events(world, event["webhookEventId"]) == 0


async def test_the_consoles_verify_call_with_no_events_is_answered_200(world: ChatWorld) -> None:
    r = await world.line.send_webhook([])
    assert r.status_code == 200, r.text


async def test_a_signed_body_that_is_not_a_line_webhook_is_a_400_with_an_error_id(
    world: ChatWorld,
) -> None:
    r = await world.line.send_webhook([{"type": "message"}])  # no webhookEventId
    assert r.status_code == 400
    assert r.json()["error_id"] == "webhook_malformed"


async def test_a_customer_message_is_stored_before_the_ack_and_answered_with_the_menu_by_reply(
    world: ChatWorld,
) -> None:
    user = new_user_id()
    event = world.line.text_event(user, "สวัสดีครับ")
    r = await world.line.send_webhook([event])
    assert r.status_code == 200, r.text
    assert await _stored_events(world, event["webhookEventId"]) == 1  # there when acked

    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="the bot's answer")
    [delivery] = world.line.delivered_to(user)
    assert delivery.method == "reply"  # the event's reply token, within its 30 s
    [menu] = delivery.messages
    labels = [item["action"]["label"] for item in menu["quickReply"]["items"]]
    # the case taxonomy's service lines, in Thai, then "talk to an admin" and English
    assert labels[:2] == ["ซื้อขายออนไลน์", "เว็บไซต์ผิดกฎหมาย"]
    assert labels[-2:] == ["คุยกับเจ้าหน้าที่", "English"]
    assert world.line.refusals == []


async def test_a_redelivered_event_is_stored_and_answered_once(world: ChatWorld) -> None:
    user = new_user_id()
    event = world.line.text_event(user, "hello")
    assert (await world.line.send_webhook([event])).status_code == 200
    again = world.line.event("message", user, redelivery_of=event)
    assert (await world.line.send_webhook([again])).status_code == 200
    assert await _stored_events(world, event["webhookEventId"]) == 1
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="the bot's answer")
    assert await world.desk.process() == 0  # nothing left to apply
    async with world.sessions() as session:
        inbound = await session.scalar(
            select(func.count()).where(Message.external_id == event["message"]["id"])
        )
    assert inbound == 1
    assert len(world.line.delivered_to(user)) == 1


async def test_english_then_talk_to_an_admin_hands_off_and_the_bot_goes_silent(
    world: ChatWorld,
) -> None:
    user = new_user_id()
    await world.line.send_webhook([world.line.postback_event(user, "lang=en")])
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="the English menu")
    await world.line.send_webhook([world.line.text_event(user, "I want to talk to an admin")])
    await poll(lambda: len(world.line.delivered_to(user)) == 2, timeout_s=10, what="hand-off")
    told = (await _messages(world, user))[-1]["text"]
    assert "within 30 minutes" in told

    await world.line.send_webhook([world.line.text_event(user, "hello? anyone?")])
    supervisor = await world.user(Role.supervisor)
    conv = await poll(
        lambda: _last_text_is(world, user, supervisor, "hello? anyone?"),
        timeout_s=10, what="the customer's message stored",
    )  # fmt: skip
    await world.desk.send_due()
    assert len(world.line.delivered_to(user)) == 2  # the bot said nothing more
    assert conv["state"] == "queued" and conv["lang"] == "en"


async def _last_text_is(world: ChatWorld, user: str, headers: dict[str, str], text: str) -> Any:
    conv = await _conversation(world, user, headers)
    return conv if conv["messages"][-1]["text"] == text else None


async def test_two_turns_the_bot_does_not_understand_hand_the_conversation_to_an_admin(
    world: ChatWorld,
) -> None:
    user = new_user_id()
    await world.line.send_webhook([world.line.text_event(user, "ขอเบอร์ร้านหน่อย")])
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="first answer")
    assert "ไม่เข้าใจ" in (await _messages(world, user))[-1]["text"]
    await world.line.send_webhook([world.line.text_event(user, "ร้านชื่ออะไรนะ")])
    await poll(lambda: len(world.line.delivered_to(user)) == 2, timeout_s=10, what="hand-off")
    assert "30 นาที" in (await _messages(world, user))[-1]["text"]


async def test_following_greets_with_the_menu_and_leaving_closes_the_conversation(
    world: ChatWorld,
) -> None:
    user = new_user_id()
    await world.line.send_webhook([world.line.event("follow", user)])
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="the greeting")
    assert (await _messages(world, user))[0]["text"].startswith("สวัสดีค่ะ")
    supervisor = await world.user(Role.supervisor)
    conv = await _conversation(world, user, supervisor)
    await world.line.send_webhook([world.line.event("unfollow", user)])

    async def closed() -> bool:
        r = await world.client.get("/api/v1/chat/conversations?state=closed", headers=supervisor)
        return any(c["id"] == conv["id"] for c in r.json())

    await poll(closed, timeout_s=10, what="closed by the unfollow")
    stranger = new_user_id()  # leaves without ever having written: nothing to show
    unfollow = world.line.event("unfollow", stranger)
    await world.line.send_webhook([unfollow])
    await poll(lambda: _processed(world, unfollow["webhookEventId"]), timeout_s=10)
    for state in ("open", "closed"):
        r = await world.client.get(f"/api/v1/chat/conversations?state={state}", headers=supervisor)
        assert all(c["customer_id"] != stranger for c in r.json())


async def _processed(world: ChatWorld, event_id: str) -> bool:
    async with world.sessions() as session:
        stmt = select(WebhookEvent.processed_at).where(WebhookEvent.event_id == event_id)
        return await session.scalar(stmt) is not None
