"""The admin inbox's extras: canned answers, the customer's history across channels (LINE,
Messenger, calls) by phone number, and the supervisor's view of every admin's load and
breaches. The clock is injected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from callcenter.chat.standin_facebook import new_psid
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


async def _post(world: ChatWorld, path: str, headers: dict[str, str], **body: Any) -> Any:
    r = await world.client.post(f"/api/v1/chat/conversations/{path}", json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def test_a_canned_answer_goes_out_in_the_customers_language(world: ChatWorld) -> None:
    agent = await world.user(Role.agent)
    r = await world.client.get("/api/v1/chat/canned", headers=agent)
    canned = {c["id"]: c for c in r.json()}
    assert canned["evidence"]["title_th"] == "ขอหลักฐาน"
    user = new_user_id()
    await world.line.send_webhook([world.line.postback_event(user, "lang=en")])  # English
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="the English menu")
    await world.line.send_webhook([world.line.text_event(user, "admin")])
    await poll(lambda: len(world.line.delivered_to(user)) == 2, timeout_s=10, what="hand-off")
    r = await world.client.get(
        "/api/v1/chat/conversations?state=waiting", headers=await world.user(Role.supervisor)
    )
    [conv] = [c["id"] for c in r.json() if c["customer_id"] == user]
    await _post(world, f"{conv}/take", agent)
    await _post(world, f"{conv}/reply", agent, canned="evidence")
    await poll(
        lambda: any(m.get("text") == canned["evidence"]["text_en"]
                    for d in world.line.delivered_to(user) for m in d.messages),
        timeout_s=10, what="the canned answer",
    )  # fmt: skip
    for body in ({"canned": "no-such"}, {"text": "x", "canned": "evidence"}, {}):
        r = await world.client.post(
            f"/api/v1/chat/conversations/{conv}/reply", json=body, headers=agent
        )
        assert r.status_code == 422 and r.json()["error_id"], r.text


async def test_the_history_finds_the_same_person_on_messenger_and_on_the_phone(
    world: ChatWorld,
) -> None:
    boss = await world.user(Role.supervisor)
    phone = "0899990001"
    _, line_conv = await world.handed_off()
    await _post(world, f"{line_conv}/case", boss, service_line="online-shopping",
                caller_phone=phone, caller_name="ลูกค้าหลายช่องทาง")  # fmt: skip
    psid = new_psid()
    await world.messenger.send_webhook([world.messenger.message_event(psid, "admin")])
    await poll(lambda: world.messenger.delivered_to(psid), timeout_s=10, what="hand-off")
    r = await world.client.get("/api/v1/chat/conversations?state=waiting", headers=boss)
    [fb_conv] = [c["id"] for c in r.json() if c["customer_id"] == psid]
    await _post(world, f"{fb_conv}/case", boss, service_line="online-shopping",
                caller_phone="+66 89 999 0001")  # fmt: skip
    r = await world.client.post(
        "/api/v1/cases", headers=boss,
        json={"channel": "phone", "service_line": "online-shopping", "caller_phone": phone},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    phone_case = r.json()["id"]

    r = await world.client.get(f"/api/v1/chat/conversations/{line_conv}/history", headers=boss)
    assert r.status_code == 200, r.text
    history = r.json()
    assert [c["id"] for c in history["conversations"]] == [fb_conv]
    channels = sorted(c["channel"] for c in history["cases"])
    assert channels == ["facebook", "line", "phone"]
    assert phone_case in [c["id"] for c in history["cases"]]

    other = await world.user(Role.agent)  # does not hold it: no personal data
    r = await world.client.get(f"/api/v1/chat/conversations/{line_conv}/history", headers=other)
    assert r.status_code == 409


async def test_the_supervisor_sees_each_admins_load_and_breaches(world: ChatWorld) -> None:
    name, agent_id = await world.account(Role.agent)
    boss = await world.user(Role.supervisor)
    for _ in range(2):
        _, conv = await world.handed_off()
        await _post(world, f"{conv}/assign", boss, user_id=agent_id)
    _, unheld = await world.handed_off()

    def mine(view: Any) -> Any:
        return next(a for a in view["admins"] if a["user_id"] == agent_id)

    view = (await world.client.get("/api/v1/chat/supervisor", headers=boss)).json()
    assert (mine(view)["load"], mine(view)["waiting"], mine(view)["breached"]) == (2, 2, 0)
    assert view["queue"]["unassigned"] >= 1
    world.clock.advance(31 * 60)  # past LINE's 30 minutes
    view = (await world.client.get("/api/v1/chat/supervisor", headers=boss)).json()
    assert mine(view)["breached"] == 2 and mine(view)["username"] == name
    assert view["queue"]["breached"] >= 1
    r = await world.client.get("/api/v1/chat/supervisor", headers=await world.user(Role.agent))
    assert r.status_code == 403
    assert unheld


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


async def test_an_admin_sends_a_picture_the_platform_fetches_on_line_and_messenger(
    world: ChatWorld,
) -> None:
    agent = await world.user(Role.agent)
    user, conv = await world.handed_off()
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/reply-image", content=PNG,
        headers={**agent, "Content-Type": "image/png"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    [sent] = [m for m in r.json()["messages"] if m["kind"] == "image"]
    assert sent["author"] == "admin" and sent["attachments"][0]["content_type"] == "image/png"
    image = (await poll(
        lambda: [m for d in world.line.delivered_to(user) for m in d.messages
                 if m["type"] == "image"], timeout_s=10, what="the picture",
    ))[0]  # fmt: skip
    async with httpx.AsyncClient() as platform:  # as LINE fetches it: no sign-in
        got = await platform.get(image["originalContentUrl"])
    assert got.status_code == 200 and got.content == PNG
    assert world.line.refusals == []

    psid = new_psid()
    await world.messenger.send_webhook([world.messenger.message_event(psid, "admin")])
    await poll(lambda: world.messenger.delivered_to(psid), timeout_s=10, what="hand-off")
    boss = await world.user(Role.supervisor)
    r = await world.client.get("/api/v1/chat/conversations?state=waiting", headers=boss)
    [fb_conv] = [c["id"] for c in r.json() if c["customer_id"] == psid]
    r = await world.client.post(
        f"/api/v1/chat/conversations/{fb_conv}/reply-image", content=PNG,
        headers={**boss, "Content-Type": "image/png"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    fb = await poll(
        lambda: [d for d in world.messenger.delivered_to(psid) if "attachment" in d.message],
        timeout_s=10, what="the picture on Messenger",
    )  # fmt: skip
    assert fb[0].message["attachment"]["type"] == "image"
    assert world.messenger.refusals == []

    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv}/reply-image", content=b"GIF89a",
        headers={**agent, "Content-Type": "image/gif"},
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["error_id"]
