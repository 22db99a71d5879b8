"""Business-hours SLA end to end, on an injected clock: LINE answers Mon–Fri 08:30–16:30,
Messenger around the clock. A LINE customer asking for an admin on Friday at 18:00 is told
Monday's time, is due Monday 09:00, is no breach over the weekend (KPIs, the supervisor
view, the wallboard's chat pill, no "late" on the websocket) and is one from 09:00 on; the
inbox orders by the stored due time; the KPIs equal the recount from the stored messages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent_ui.hub import Hub
from callcenter.chat import kpi
from callcenter.chat.board import ChatBoard
from callcenter.chat.standin_facebook import new_psid
from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.ivrconf import CENTRE_TZ
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration
SLA_TOML = """
[line.hours]
mon = "08:30-16:30"
tue = "08:30-16:30"
wed = "08:30-16:30"
thu = "08:30-16:30"
fri = "08:30-16:30"
"""


@pytest.fixture(scope="module")
async def world(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[
    ChatWorld
]:  # fmt: skip
    path = Path(tmp_path_factory.mktemp("sla")) / "sla.toml"
    path.write_text(SLA_TOML, encoding="utf-8")
    async for built in chat_world(settings, {"chat_sla": path}):
        yield built


def _next_friday_evening() -> datetime:
    """The coming Friday, 18:00 in Bangkok (after closing): the test runs any day."""
    local = datetime.now(UTC).astimezone(CENTRE_TZ)
    friday = local.date() + timedelta(days=(4 - local.weekday()) % 7 or 7)
    return datetime(friday.year, friday.month, friday.day, 18, 0, tzinfo=CENTRE_TZ)


async def _waiting(world: ChatWorld) -> list[Any]:
    supervisor = await world.user(Role.supervisor)
    r = await world.client.get("/api/v1/chat/conversations?state=waiting", headers=supervisor)
    assert r.status_code == 200, r.text
    return list(r.json())


async def _kpi(world: ChatWorld, start: datetime) -> Any:
    supervisor = await world.user(Role.supervisor)
    period = {"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()}
    r = await world.client.get("/api/v1/chat/kpi", params=period, headers=supervisor)
    assert r.status_code == 200, r.text
    return r.json()


async def _breached(world: ChatWorld) -> int:
    supervisor = await world.user(Role.supervisor)
    r = await world.client.get("/api/v1/chat/supervisor", headers=supervisor)
    return int(r.json()["queue"]["breached"])


def _sla_frames(hub: Hub, sub: Any) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while (raw := sub.take()) is not None:
        frames += [f["data"] for f in json.loads(raw) if (f.get("data") or {}).get("sla")]
    return frames


async def test_an_out_of_hours_hand_off_is_due_next_opening_and_breached_only_after(
    world: ChatWorld,
) -> None:
    friday = _next_friday_evening()
    world.clock.now = friday.astimezone(UTC)
    monday_9 = (friday + timedelta(days=3)).replace(hour=9)
    hub = world.desk.publisher
    assert isinstance(hub, Hub)
    sub = hub.subscribe("chat")
    assert _sla_frames(hub, sub) == []  # its snapshot taken: it follows the changes now

    user = new_user_id()  # LINE, Friday 18:00: told Monday 09:00
    await world.line.send_webhook([world.line.text_event(user, "ขอคุยกับแอดมิน")])
    [told] = await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="hand-off")
    when = f"{monday_9.day}/{monday_9.month}/{monday_9.year + 543} 09:00 น."
    assert "นอกเวลาทำการ" in told.messages[-1]["text"] and when in told.messages[-1]["text"]

    world.clock.advance(600)  # Messenger, 18:10, 24/7: due 18:40, before LINE's Monday
    psid = new_psid()
    await world.messenger.send_webhook([world.messenger.message_event(psid, "แอดมิน")])
    await poll(lambda: world.messenger.delivered_to(psid), timeout_s=10, what="fb hand-off")
    waiting = await poll(
        lambda: _two_waiting(world, user, psid), timeout_s=10, what="both in the inbox"
    )
    assert [c["customer_id"] for c in waiting] == [psid, user]  # by the stored due time
    assert datetime.fromisoformat(waiting[1]["reply_due_at"]) == monday_9
    assert datetime.fromisoformat(waiting[0]["reply_due_at"]) == friday + timedelta(minutes=40)

    # Saturday noon: the Messenger one is late, the LINE one is not (its clock has not run)
    world.clock.now = (friday + timedelta(hours=18)).astimezone(UTC)
    await world.desk.sla_warnings()
    frames = _sla_frames(hub, sub)
    assert {(f["conversation_id"], f["sla"]) for f in frames} == {(waiting[0]["id"], "late")}
    figures = await _kpi(world, friday - timedelta(hours=1))
    assert figures["channels"]["line"]["chat_waiting"] == 1
    assert figures["channels"]["line"]["chat_sl_pct"] is None  # not judged yet: no breach
    assert figures["channels"]["facebook"]["chat_sl_pct"] == 0.0
    assert figures["sla_24_7"] == {"line": False, "facebook": True, "email": True}
    assert await _breached(world) == 1
    [line_now] = [c for c in await _waiting(world) if c["customer_id"] == user]
    assert line_now["time_left_s"] > 0

    # the wallboard's chat pill on Friday evening (its day): waiting, nobody late on LINE
    board = ChatBoard(
        sessions=world.sessions, sla=world.desk.sla, tz="Asia/Bangkok",
        clock=lambda: (friday + timedelta(minutes=30)).timestamp(),
    )  # fmt: skip
    await board.refresh()
    pill = board.section(0)
    assert pill is not None and pill["definition"] == "chat-v1"
    assert pill["channels"]["line"]["chat_waiting"] == 1
    assert pill["channels"]["line"]["chat_sl_pct"] is None

    # Monday 08:55: five minutes to go, the page is warned
    world.clock.now = (monday_9 - timedelta(minutes=5)).astimezone(UTC)
    await world.desk.sla_warnings()
    assert [(f["conversation_id"], f["sla"]) for f in _sla_frames(hub, sub)] == [
        (waiting[1]["id"], "soon")
    ]
    assert (await _kpi(world, friday - timedelta(hours=1)))["channels"]["line"][
        "chat_sl_pct"
    ] is None

    # Monday 09:00: due now, still no breach (a reply now is in time) ...
    world.clock.now = monday_9.astimezone(UTC)
    await world.desk.sla_warnings()
    assert _sla_frames(hub, sub) == []
    assert (await _kpi(world, friday - timedelta(hours=1)))["channels"]["line"][
        "chat_sl_pct"
    ] is None
    assert await _breached(world) == 1
    # ... one second later it is late: a breach whatever happens next
    world.clock.advance(1)
    await world.desk.sla_warnings()
    assert [(f["conversation_id"], f["sla"]) for f in _sla_frames(hub, sub)] == [
        (waiting[1]["id"], "late")
    ]
    figures = await _kpi(world, friday - timedelta(hours=1))
    assert figures["channels"]["line"]["chat_sl_pct"] == 0.0
    assert await _breached(world) == 2
    async with world.sessions() as session:
        recounted = await kpi.recount(
            session=session, start=friday - timedelta(hours=1),
            end=friday + timedelta(days=6, hours=23), sla=world.desk.sla, now=world.clock(),
        )  # fmt: skip
    assert recounted == figures
    hub.unsubscribe(sub)


async def test_a_reply_before_monday_nine_is_within_the_sla(world: ChatWorld) -> None:
    friday = _next_friday_evening() + timedelta(days=7)  # a week on: apart from the first test
    world.clock.now = friday.astimezone(UTC)
    user = new_user_id()
    await world.line.send_webhook([world.line.text_event(user, "แอดมิน")])
    await poll(lambda: world.line.delivered_to(user), timeout_s=10, what="hand-off")
    [conv] = [c for c in await _waiting(world) if c["customer_id"] == user]
    world.clock.now = (friday + timedelta(days=2, hours=14, minutes=50)).astimezone(UTC)
    agent = await world.user(Role.agent)  # Monday 08:50: 62 hours after, 20 min of open time
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv['id']}/reply", headers=agent,
        json={"text": "สวัสดีค่ะ เจ้าหน้าที่รับเรื่องแล้ว"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    figures = await _kpi(world, friday - timedelta(hours=1))
    line = figures["channels"]["line"]
    assert (line["chat_handled"], line["chat_answered_within_sla"], line["chat_sl_pct"]) == (
        1, 1, 100.0,
    )  # fmt: skip
    assert line["chat_first_response_p50_s"] == pytest.approx((62 * 60 + 50) * 60)


async def _two_waiting(world: ChatWorld, *customers: str) -> list[Any]:
    found = [c for c in await _waiting(world) if c["customer_id"] in customers]
    return found if len(found) == len(customers) else []
