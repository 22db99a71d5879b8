"""`callcenter kpi` carries the chat-v1 figures beside the calls': --json under "chat", and a
chat table with each channel's SLA."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from callcenter.config import Settings
from callcenter.users.models import Role
from tests.integration.chat_support import ChatWorld, chat_world
from tests.integration.conftest import cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def test_the_cli_shows_the_chat_figures_the_api_gives(world: ChatWorld) -> None:
    agent = await world.user(Role.agent)
    start = world.clock() - timedelta(minutes=1)
    for wait_s in (60, 31 * 60):  # one answered in time, one late
        _, conv = await world.handed_off()
        world.clock.advance(wait_s)
        r = await world.client.post(
            f"/api/v1/chat/conversations/{conv}/reply", json={"text": "สวัสดีค่ะ"}, headers=agent
        )
        assert r.status_code == 200, r.text
    end = world.clock() + timedelta(minutes=1)
    period = ("--from", start.isoformat(), "--to", end.isoformat())
    env = {**os.environ, "CALLCENTER_DATABASE_URL": world.settings.database_url}
    result = await asyncio.to_thread(cli, "kpi", *period, "--json", env=env)
    assert result.returncode == 0, result.stderr
    chat = json.loads(result.stdout)["chat"]
    r = await world.client.get(
        "/api/v1/chat/kpi", params={"from": start.isoformat(), "to": end.isoformat()},
        headers=await world.user(Role.supervisor),
    )  # fmt: skip
    assert chat == r.json()
    assert (chat["total"]["chat_handled"], chat["total"]["chat_sl_pct"]) == (2, 50.0)

    table = await asyncio.to_thread(cli, "kpi", *period, env=env)
    assert table.returncode == 0, table.stderr
    line = next(x for x in table.stdout.splitlines() if "Chat service level %" in x)
    assert "≥ 90" in line and line.count("50.0") == 2  # all channels, LINE
    assert "LINE (SLA 30 min)" in table.stdout.replace("\n", "")
    assert "None" not in table.stdout
