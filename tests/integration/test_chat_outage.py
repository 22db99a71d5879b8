"""No webhook event lost while PostgreSQL is down: journaled on disk before the 200,
stored once (with its redelivery) and answered when the database is back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select

from callcenter.chat.models import WebhookEvent
from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from tests.helpers import free_port, poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ChatWorld]:
    state = tmp_path_factory.mktemp("chat-state")  # the journal lives under the state dir
    async for built in chat_world(settings.model_copy(update={"state_dir": state})):
        yield built


async def _stored(world: ChatWorld, event_id: str) -> int:
    async with world.sessions() as session:
        stmt = select(func.count()).where(WebhookEvent.event_id == event_id)
        return int(await session.scalar(stmt) or 0)


async def test_events_wait_in_the_journal_through_an_outage_and_are_answered_after_it(
    world: ChatWorld,
) -> None:
    nobody_home = make_url(world.settings.database_url).set(port=free_port())  # PostgreSQL "down"
    down = make_db_engine(nobody_home.render_as_string(hide_password=False))
    world.desk.sessions = make_sessionmaker(down)
    try:
        user = new_user_id()
        event = world.line.text_event(user, "ร้านค้าโกงค่ะ")
        assert (await world.line.send_webhook([event])).status_code == 200
        again = world.line.event("message", user, redelivery_of=event)
        assert (await world.line.send_webhook([again])).status_code == 200
        assert world.desk.journal.pending()
        assert await _stored(world, event["webhookEventId"]) == 0
        assert world.line.delivered_to(user) == []
    finally:
        world.desk.sessions = world.sessions  # the database is back
        await down.dispose()

    await poll(lambda: world.line.delivered_to(user), timeout_s=15, what="the bot's answer")
    assert not world.desk.journal.pending()
    assert await _stored(world, event["webhookEventId"]) == 1
    [answer] = world.line.delivered_to(user)
    assert answer.method == "reply"  # within its reply token's 30 s (the clock stood still)


async def test_when_neither_the_database_nor_the_disk_takes_an_event_the_answer_is_503(
    world: ChatWorld, tmp_path: Path
) -> None:
    nobody_home = make_url(world.settings.database_url).set(port=free_port())
    down = make_db_engine(nobody_home.render_as_string(hide_password=False))
    (tmp_path / "not-a-dir").write_text("")
    journal_path = world.desk.journal.path
    world.desk.sessions = make_sessionmaker(down)
    world.desk.journal.path = tmp_path / "not-a-dir" / "chat.jsonl"
    try:
        r = await world.line.send_webhook([world.line.text_event(new_user_id(), "hello")])
        assert r.status_code == 503 and r.json()["error_id"] == "webhook_not_stored"
    finally:
        world.desk.sessions, world.desk.journal.path = world.sessions, journal_path
        await down.dispose()
