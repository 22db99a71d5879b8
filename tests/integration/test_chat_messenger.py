"""Facebook Messenger end to end against the local Messenger stand-in: verification, the
signature, redelivery, the bot's quick replies, and the 24 h / 7 day windows of admin replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.chat.models import Message
from callcenter.chat.standin_facebook import new_psid
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import FB_VERIFY_TOKEN, ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def test_meta_verification_gets_the_challenge_back_only_with_our_token(
    world: ChatWorld,
) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": FB_VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    r = await world.client.get("/webhooks/facebook", params=params)
    assert r.status_code == 200 and r.text == "1158201444"
    r = await world.client.get("/webhooks/facebook", params={**params, "hub.verify_token": "guess"})
    assert r.status_code == 403 and r.json()["error_id"] == "webhook_verify_token_invalid"


async def test_a_webhook_signed_with_another_secret_is_refused_and_not_stored(
    world: ChatWorld,
) -> None:
    psid = new_psid()
    event = world.messenger.message_event(psid, "สวัสดี")
    r = await world.messenger.send_webhook([event], secret="not-the-app-secret")
    assert r.status_code == 401 and r.json()["error_id"] == "webhook_signature_invalid"
    assert await _stored(world, event["message"]["mid"]) == 0


async def test_a_message_gets_the_menu_as_quick_replies_and_a_redelivery_is_stored_once(
    world: ChatWorld,
) -> None:
    psid = new_psid()
    event = world.messenger.message_event(psid, "สวัสดีค่ะ")
    assert (await world.messenger.send_webhook([event])).status_code == 200
    assert (await world.messenger.send_webhook([event])).status_code == 200  # Meta retried
    await poll(lambda: world.messenger.delivered_to(psid), timeout_s=10, what="the bot's menu")
    [menu] = world.messenger.delivered_to(psid)
    assert menu.messaging_type == "RESPONSE" and menu.tag is None  # the bot: never a tag
    titles = [q["title"] for q in menu.message["quick_replies"]]
    assert titles[0] == "ซื้อขายออนไลน์" and titles[-2:] == ["คุยกับเจ้าหน้าที่", "English"]
    assert await _stored(world, event["message"]["mid"]) == 1
    assert await world.desk.process() == 0
    assert len(world.messenger.delivered_to(psid)) == 1


async def test_a_tapped_quick_reply_hands_off_and_admin_replies_respect_the_windows(
    world: ChatWorld,
) -> None:
    psid = new_psid()
    await world.messenger.send_webhook([world.messenger.message_event(psid, "hi")])
    await poll(lambda: world.messenger.delivered_to(psid), timeout_s=10, what="menu")
    tapped = world.messenger.message_event(
        psid, "Online shopping", quick_reply="line=online-shopping"
    )
    await world.messenger.send_webhook([tapped])
    await poll(lambda: len(world.messenger.delivered_to(psid)) == 2, timeout_s=10, what="hand-off")
    handoff = world.messenger.delivered_to(psid)[1].message["text"]
    assert "เรื่อง: ซื้อขายออนไลน์" in handoff and "30 นาที" in handoff  # one message, both parts

    agent = await world.user(Role.agent)
    conv = await _conversation(world, psid, agent)
    assert conv["service_line"] == "online-shopping"
    r = await world.client.post(f"/api/v1/chat/conversations/{conv['id']}/take", headers=agent)
    said = [m["text"] for m in r.json()["messages"] if m["author"] == "customer"]
    assert said == ["hi", "ซื้อขายออนไลน์"]  # the tapped button reads as its label
    await _reply(world, conv["id"], agent, "ได้รับเรื่องแล้วค่ะ")
    await _reply_delivered(world, psid, "ได้รับเรื่องแล้วค่ะ")
    assert world.messenger.delivered_to(psid)[-1].messaging_type == "RESPONSE"

    world.clock.advance(timedelta(hours=25).total_seconds())  # past 24 h: a person may still answer
    await _reply(world, conv["id"], agent, "ขออภัยที่ตอบช้าค่ะ")
    late = await _reply_delivered(world, psid, "ขออภัยที่ตอบช้าค่ะ")
    assert (late.messaging_type, late.tag) == ("MESSAGE_TAG", "HUMAN_AGENT")

    world.clock.advance(timedelta(days=7).total_seconds())  # past 7 days: Messenger would refuse
    await _reply(world, conv["id"], agent, "ยังอยู่ไหมคะ")
    detail = (
        await world.client.get(f"/api/v1/chat/conversations/{conv['id']}", headers=agent)
    ).json()
    last = detail["messages"][-1]
    assert last["delivery"] == "failed" and "24 h" in last["delivery_error"]
    assert detail["failed_sends"] == 1
    assert world.messenger.refusals == []  # it was never sent


async def _stored(world: ChatWorld, mid: str) -> int:
    async with world.sessions() as session:
        return int(
            await session.scalar(select(func.count()).where(Message.external_id == mid)) or 0
        )


async def _conversation(world: ChatWorld, psid: str, headers: dict[str, str]) -> Any:
    r = await world.client.get("/api/v1/chat/conversations?state=waiting", headers=headers)
    [conv] = [
        c for c in r.json() if c["channel"] == "facebook" and c["customer_id"].endswith(psid[-4:])
    ]
    return conv


async def _reply(world: ChatWorld, conv: int, headers: dict[str, str], text: str) -> None:
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/reply", json={"text": text}, headers=headers
    )
    assert r.status_code == 200, r.text


async def _reply_delivered(world: ChatWorld, psid: str, text: str) -> Any:
    def found() -> Any:
        return next(
            (d for d in world.messenger.delivered_to(psid) if d.message["text"] == text), None
        )

    return await poll(found, timeout_s=10, what=f"{text!r} at Messenger")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128
JPEG = b"\xff\xd8\xff\xe0" + b"\x11" * 200


async def test_a_customers_pictures_are_fetched_from_metas_url_kept_and_shown_once(
    world: ChatWorld,
) -> None:
    psid = new_psid()
    await world.messenger.send_webhook([world.messenger.message_event(psid, "แอดมิน")])
    await poll(lambda: world.messenger.delivered_to(psid), timeout_s=10, what="hand-off")
    two = world.messenger.image_event(psid, [(PNG, "image/png"), (JPEG, "image/jpeg")])
    sticker = world.messenger.image_event(psid, [(PNG, "image/png")], sticker_id=369239263222822)
    disguised = world.messenger.image_event(psid, [(b"MZ\x90\x00", "application/x-msdownload")])
    for event in (two, sticker, disguised):
        assert (await world.messenger.send_webhook([event])).status_code == 200
    assert (await world.messenger.send_webhook([two])).status_code == 200  # Meta retried

    supervisor = await world.user(Role.supervisor)
    conv = await _conversation(world, psid, supervisor)
    base = f"/api/v1/chat/conversations/{conv['id']}"

    async def pictures() -> list[Any]:
        detail = (await world.client.get(base, headers=supervisor)).json()
        found = [m for m in detail["messages"] if m["kind"] == "image" and m["attachments"]]
        return found

    [shown] = await poll(pictures, timeout_s=15, what="the pictures kept")
    assert shown["author"] == "customer" and shown["text"] == "[image]"
    files = shown["attachments"]
    assert [f["content_type"] for f in files] == ["image/png", "image/jpeg"]
    got = [
        (await world.client.get(f"{base}/attachments/{f['id']}", headers=supervisor)) for f in files
    ]
    assert [g.content for g in got] == [PNG, JPEG]  # the same bytes, from S3

    detail = (await world.client.get(base, headers=supervisor)).json()
    kinds = [m["kind"] for m in detail["messages"] if m["author"] == "customer"]
    assert kinds == ["text", "image", "sticker", "image"]  # the retry stored once
    [refused] = [m for m in detail["messages"] if m["kind"] == "image" and not m["attachments"]]
    assert refused["text"] == "[image]"  # a type the desk does not keep: only the label
    assert await world.desk.process() == 0
    fetched = sorted(world.messenger.media_fetches)
    sticker_url = sticker["message"]["attachments"][0]["payload"]["url"]
    assert sticker_url.rsplit("/", 1)[1] not in fetched  # a sticker is not fetched
    assert len(fetched) == len(set(fetched)) == 3  # each picture fetched once

    other = await world.user(Role.agent)  # masked for an agent who does not hold it
    r = await world.client.get(f"{base}/attachments/{files[0]['id']}", headers=other)
    assert r.status_code == 409
