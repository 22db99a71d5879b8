"""The satisfaction questionnaire after a close: quick replies 1–5 then an optional comment
on LINE and Messenger, stored and reported; a customer who writes something else gets the
bot again. The stand-ins check the platforms' rules for every call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from callcenter.chat.standin_facebook import new_psid
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def _post(world: ChatWorld, path: str, headers: dict[str, str], **body: Any) -> Any:
    r = await world.client.post(f"/api/v1/chat/conversations/{path}", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _texts(world: ChatWorld, user: str) -> list[str]:
    return [m.get("text", "") for d in world.line.delivered_to(user) for m in d.messages]


async def _report(world: ChatWorld) -> Any:
    period = {
        "from": (world.clock() - timedelta(hours=1)).isoformat(),
        "to": (world.clock() + timedelta(hours=1)).isoformat(),
    }
    supervisor = await world.user(Role.supervisor)
    r = await world.client.get("/api/v1/chat/satisfaction", params=period, headers=supervisor)
    assert r.status_code == 200, r.text
    return r.json()


async def test_after_the_close_the_line_customer_scores_and_comments_and_it_is_reported(
    world: ChatWorld,
) -> None:
    user, conv = await world.handed_off()
    agent = await world.user(Role.agent)
    await _post(world, f"{conv}/reply", agent, text="ร้านคืนเงินแล้วค่ะ")
    await _post(world, f"{conv}/close", agent)
    asked = await poll(
        lambda: [m for d in world.line.delivered_to(user) for m in d.messages if "quickReply" in m
                 and m["quickReply"]["items"][0]["action"]["data"].startswith("csat=")],
        timeout_s=10, what="the questionnaire",
    )  # fmt: skip
    labels = [i["action"]["label"] for i in asked[-1]["quickReply"]["items"]]
    assert labels == ["⭐⭐⭐⭐⭐ 5", "⭐⭐⭐⭐ 4", "⭐⭐⭐ 3", "⭐⭐ 2", "⭐ 1"]

    await world.line.send_webhook([world.line.postback_event(user, "csat=4")])
    await poll(lambda: "ความคิดเห็นเพิ่มเติม" in _texts(world, user)[-1], timeout_s=10,
               what="the comment question")  # fmt: skip
    await world.line.send_webhook([world.line.text_event(user, "ตอบเร็วดีค่ะ")])
    await poll(lambda: _texts(world, user)[-1] == "ขอบคุณสำหรับความคิดเห็นค่ะ", timeout_s=10,
               what="the thanks")  # fmt: skip
    assert world.line.refusals == []

    report = await _report(world)
    [answer] = [a for a in report["answers"] if a["conversation_id"] == conv]
    assert (answer["channel"], answer["score"], answer["comment"]) == ("line", 4, "ตอบเร็วดีค่ะ")
    assert report["definition"] == "chat-csat-v1"
    assert report["channels"]["line"]["csat_scores"]["4"] >= 1
    # the customer was not greeted by the bot in between: no new conversation
    r = await world.client.get(
        "/api/v1/chat/conversations?state=open", headers=await world.user(Role.supervisor)
    )
    assert [c for c in r.json() if c["customer_id"] == user] == []


async def test_a_customer_who_writes_something_else_gets_the_bot_and_no_score(
    world: ChatWorld,
) -> None:
    user, conv = await world.handed_off()
    agent = await world.user(Role.agent)
    await _post(world, f"{conv}/reply", agent, text="เรียบร้อยค่ะ")
    await _post(world, f"{conv}/close", agent)
    await poll(lambda: "คะแนนความพึงพอใจ" in _texts(world, user)[-1], timeout_s=10,
               what="the questionnaire")  # fmt: skip
    await world.line.send_webhook([world.line.text_event(user, "มีเรื่องใหม่ค่ะ")])
    await poll(lambda: "กรุณาเลือกเรื่อง" in _texts(world, user)[-1] or "ไม่เข้าใจ" in
               _texts(world, user)[-1], timeout_s=10, what="the bot")  # fmt: skip
    report = await _report(world)
    assert conv not in [a["conversation_id"] for a in report["answers"]]


async def test_a_conversation_nobody_answered_gets_no_questionnaire(world: ChatWorld) -> None:
    user, conv = await world.handed_off()
    await _post(world, f"{conv}/close", await world.user(Role.supervisor))
    before = len(world.line.delivered_to(user))
    await world.desk.send_due()
    assert len(world.line.delivered_to(user)) == before


async def test_on_messenger_the_scores_are_quick_replies_and_no_comment_ends_it(
    world: ChatWorld,
) -> None:
    psid = new_psid()
    await world.messenger.send_webhook([world.messenger.message_event(psid, "admin")])
    await poll(lambda: world.messenger.delivered_to(psid), timeout_s=10, what="hand-off")
    supervisor = await world.user(Role.supervisor)
    r = await world.client.get("/api/v1/chat/conversations?state=waiting", headers=supervisor)
    [conv] = [c["id"] for c in r.json() if c["customer_id"] == psid]
    await _post(world, f"{conv}/reply", supervisor, text="Done")
    await _post(world, f"{conv}/close", supervisor)
    question = await poll(
        lambda: [d for d in world.messenger.delivered_to(psid)
                 if d.message.get("quick_replies")
                 and d.message["quick_replies"][0]["payload"].startswith("csat=")],
        timeout_s=10, what="the questionnaire",
    )  # fmt: skip
    assert [q["payload"] for q in question[-1].message["quick_replies"]] == [
        "csat=5", "csat=4", "csat=3", "csat=2", "csat=1",
    ]  # fmt: skip
    tap = world.messenger.message_event(psid, "⭐⭐ 2", quick_reply="csat=2")
    await world.messenger.send_webhook([tap])
    await poll(lambda: "comment" in world.messenger.delivered_to(psid)[-1].message.get("text", "")
               or "ความคิดเห็น" in world.messenger.delivered_to(psid)[-1].message.get("text", ""),
               timeout_s=10, what="the comment question")  # fmt: skip
    skip = world.messenger.message_event(psid, "ไม่มี", quick_reply="csat=skip")
    await world.messenger.send_webhook([skip])
    await poll(lambda: "ขอบคุณสำหรับความคิดเห็น" in
               world.messenger.delivered_to(psid)[-1].message.get("text", ""),
               timeout_s=10, what="the thanks")  # fmt: skip
    assert world.messenger.refusals == []
    [answer] = [a for a in (await _report(world))["answers"] if a["conversation_id"] == conv]
    assert (answer["channel"], answer["score"], answer["comment"]) == ("facebook", 2, "")
