"""Broadcasts through the official SDK to the LINE stand-in, which checks every call against
LINE's published OpenAPI description: all friends or tagged segments, an image LINE can
fetch, scheduled sends, a lost answer retried with its key and sent once, quota and audit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.users.models import Role
from recordings.models import AuditEntry
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def _compose(world: ChatWorld, headers: dict[str, str], **body: Any) -> Any:
    r = await world.client.post("/api/v1/chat/broadcasts", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _schedule(world: ChatWorld, bid: int, headers: dict[str, str], **body: Any) -> Any:
    r = await world.client.post(
        f"/api/v1/chat/broadcasts/{bid}/schedule", json=body, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _status(world: ChatWorld, bid: int, headers: dict[str, str]) -> Any:
    r = await world.client.get("/api/v1/chat/broadcasts", headers=headers)
    return next(b for b in r.json() if b["id"] == bid)


async def _failed_once(world: ChatWorld, bid: int, headers: dict[str, str]) -> Any:
    """The broadcast once its first try's outcome is recorded (the call LINE got comes
    first: polling only for the call raced the record of its lost answer)."""
    found = await _status(world, bid, headers)
    return found if found["last_error"] else None


async def _sent(world: ChatWorld, bid: int, headers: dict[str, str]) -> Any:
    found = await _status(world, bid, headers)
    return found if found["status"] in ("sent", "failed") else None


def _calls(world: ChatWorld, path: str, marker: str) -> list[dict[str, Any]]:
    return [b for p, b in world.line.calls if p == path and b["messages"][0]["text"] == marker]


async def _friend(world: ChatWorld) -> str:
    """A customer who wrote to the account (a friend: broadcasts reach them)."""
    user = new_user_id()
    await world.line.send_webhook([world.line.text_event(user, "สวัสดี")])
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="the menu")
    return user


async def test_a_warning_with_a_picture_goes_to_every_friend_and_is_audited(
    world: ChatWorld,
) -> None:
    friends = [await _friend(world) for _ in range(2)]
    boss = await world.user(Role.supervisor)
    usage_before = (await world.client.get("/api/v1/chat/broadcasts/quota", headers=boss)).json()
    draft = await _compose(world, boss, text="เตือนภัย: เพจปลอมแอบอ้าง 1212")
    assert (draft["status"], draft["audience"]) == ("draft", "all")
    r = await world.client.put(
        f"/api/v1/chat/broadcasts/{draft['id']}/image", content=PNG,
        headers={**boss, "Content-Type": "image/png"},
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["image"] is True
    await _schedule(world, draft["id"], boss)
    done = await poll(lambda: _sent(world, draft["id"], boss), timeout_s=10, what="the send")
    assert done["status"] == "sent", done

    [call] = _calls(world, "broadcast", "เตือนภัย: เพจปลอมแอบอ้าง 1212")
    image = call["messages"][1]
    assert image["type"] == "image" and image["originalContentUrl"] == image["previewImageUrl"]
    async with httpx.AsyncClient() as fetcher:  # as LINE would: no sign-in
        got = await fetcher.get(image["originalContentUrl"])
    assert got.status_code == 200 and got.content == PNG
    assert all(world.line.delivered_to(f)[-1].method == "broadcast" for f in friends)
    assert world.line.refusals == []

    quota = (await world.client.get("/api/v1/chat/broadcasts/quota", headers=boss)).json()
    assert quota["type"] == "limited" and quota["value"] == world.line.quota_limit
    friends_now = len(world.line.profiles)
    assert quota["total_usage"] == usage_before["total_usage"] + friends_now
    assert quota["remaining"] == quota["value"] - quota["total_usage"]

    async with world.sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.detail["broadcast_id"].as_integer() == draft["id"])
                .order_by(AuditEntry.id)
            )
        ).all()
    assert list(actions) == [
        "chat_broadcast_composed", "chat_broadcast_image", "chat_broadcast_scheduled",
        "chat_broadcast_sent",
    ]  # fmt: skip


async def test_a_tagged_segment_gets_a_multicast_and_nobody_else(world: ChatWorld) -> None:
    tagged, other = [await _friend(world) for _ in range(2)], await _friend(world)
    boss = await world.user(Role.supervisor)
    r = await world.client.get("/api/v1/chat/conversations?state=open", headers=boss)
    convs = {c["customer_id"]: c["id"] for c in r.json()}
    for user in tagged:
        r = await world.client.put(
            f"/api/v1/chat/conversations/{convs[user]}/tags/เหยื่อแชร์ลูกโซ่", headers=boss
        )
        assert r.status_code == 200 and r.json() == ["เหยื่อแชร์ลูกโซ่"]
    draft = await _compose(world, boss, text="นัดประชุมผู้เสียหาย", tags=["เหยื่อแชร์ลูกโซ่"])
    assert draft["audience"] == "tags"
    await _schedule(world, draft["id"], boss)
    done = await poll(lambda: _sent(world, draft["id"], boss), timeout_s=10, what="the send")
    assert (done["status"], done["recipients"]) == ("sent", 2)
    [call] = _calls(world, "multicast", "นัดประชุมผู้เสียหาย")
    assert sorted(call["to"]) == sorted(tagged)
    assert other not in call["to"]


async def test_a_later_broadcast_waits_for_its_time_and_can_be_cancelled(
    world: ChatWorld,
) -> None:
    boss = await world.user(Role.supervisor)
    later = await _compose(world, boss, text="ประกาศวันหยุด")
    at = world.clock() + timedelta(hours=1)
    await _schedule(world, later["id"], boss, at=at.isoformat())
    async with world.sessions() as session:  # APScheduler's persistent job, for restarts
        jobs = await session.scalar(
            text("SELECT count(*) FROM chat_broadcast_jobs WHERE id = :id"),
            {"id": f"broadcast-{later['id']}"},
        )
    assert jobs == 1
    cancelled = await _compose(world, boss, text="ประกาศที่ยกเลิก")
    await _schedule(world, cancelled["id"], boss, at=at.isoformat())
    r = await world.client.post(f"/api/v1/chat/broadcasts/{cancelled['id']}/cancel", headers=boss)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert await world.desk.broadcast_due() == 0  # not yet
    assert _calls(world, "broadcast", "ประกาศวันหยุด") == []

    world.clock.advance(3601)
    done = await poll(lambda: _sent(world, later["id"], boss), timeout_s=10, what="the send")
    assert done["status"] == "sent"
    assert _calls(world, "broadcast", "ประกาศที่ยกเลิก") == []
    r = await world.client.post(f"/api/v1/chat/broadcasts/{later['id']}/cancel", headers=boss)
    assert r.status_code == 409 and r.json()["error_id"] == "chat_broadcast_not_editable"


async def test_a_lost_answer_is_retried_with_its_key_and_sent_once(world: ChatWorld) -> None:
    boss = await world.user(Role.supervisor)
    world.line.fail_next("broadcast", status=500, accept=True)  # LINE took it; the 200 lost
    draft = await _compose(world, boss, text="ข่าวลวง: ไม่มีการคืนเงินทางไลน์")
    await _schedule(world, draft["id"], boss)
    await poll(lambda: _calls(world, "broadcast", "ข่าวลวง: ไม่มีการคืนเงินทางไลน์"),
               timeout_s=10, what="the first try")  # fmt: skip
    waiting = await poll(lambda: _failed_once(world, draft["id"], boss), timeout_s=10,
                         what="the lost answer recorded")  # fmt: skip
    assert waiting["status"] == "sending" and "500" in waiting["last_error"]
    world.clock.advance(60)  # past the backoff
    done = await poll(lambda: _sent(world, draft["id"], boss), timeout_s=10, what="the retry")
    assert done["status"] == "sent"
    assert len(_calls(world, "broadcast", "ข่าวลวง: ไม่มีการคืนเงินทางไลน์")) == 1  # 409 the 2nd


async def test_other_modules_broadcast_through_the_desk(world: ChatWorld) -> None:
    bid = await world.desk.broadcast(text="โพสต์จากทีมโซเชียล", who="social", image=(PNG, "image/png"))
    boss = await world.user(Role.supervisor)
    done = await poll(lambda: _sent(world, bid, boss), timeout_s=10, what="the send")
    assert (done["status"], done["created_by"], done["image"]) == ("sent", "social", True)
    [call] = _calls(world, "broadcast", "โพสต์จากทีมโซเชียล")
    assert call["messages"][1]["type"] == "image"


async def test_only_supervisors_broadcast_and_bad_input_is_refused(world: ChatWorld) -> None:
    agent, boss = await world.user(Role.agent), await world.user(Role.supervisor)
    r = await world.client.post("/api/v1/chat/broadcasts", json={"text": "x"}, headers=agent)
    assert r.status_code == 403
    r = await world.client.post(
        "/api/v1/chat/broadcasts", json={"text": "x", "tags": ["no spaces"]}, headers=boss
    )
    assert r.status_code == 422
    draft = await _compose(world, boss, text="รูปผิดชนิด")
    r = await world.client.put(
        f"/api/v1/chat/broadcasts/{draft['id']}/image", content=b"GIF89a",
        headers={**boss, "Content-Type": "image/gif"},
    )  # fmt: skip
    assert r.status_code == 422 or r.status_code == 400
    assert r.json()["error_id"]
    async with world.sessions() as session:
        count = await session.scalar(
            select(func.count()).where(AuditEntry.action == "chat_broadcast_image")
            .where(AuditEntry.detail["broadcast_id"].as_integer() == draft["id"])
        )  # fmt: skip
    assert count == 0
