"""The wallboard shows today's chat desk beside the phones (issue 16): chats handed to the
admins since midnight, the share answered within each channel's first-reply SLA and those
waiting now, each channel apart."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from callcenter.chat.models import Conversation, State

pytestmark = pytest.mark.integration


async def test_the_board_counts_todays_chats_per_channel(app: FastAPI) -> None:
    services = app.state.services
    board = services.chat_board
    await board.refresh()
    before = (board.section(0) or {"total": {"chat_offered": 0, "chat_waiting": 0}})["total"]
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    async with services.sessions() as session, session.begin():
        session.add_all(
            [
                Conversation(  # answered at once: within LINE's 30 minutes
                    channel="line", customer_id=f"U{tag}a", started_at=now, state=State.closed,
                    handed_off_at=now, reply_due_at=now + timedelta(minutes=30),
                    first_human_reply_at=now + timedelta(seconds=1),
                    closed_at=now + timedelta(seconds=2),
                ),
                Conversation(  # waiting for an admin
                    channel="email", customer_id=f"{tag}@example.com", started_at=now,
                    state=State.queued, handed_off_at=now, reply_due_at=now + timedelta(days=1),
                ),
            ]
        )  # fmt: skip
    await board.refresh()
    section = services.wallboard.snapshot()["chat"]
    assert section["definition"] == "chat-v1"
    assert section["total"]["chat_offered"] == before["chat_offered"] + 2
    assert section["total"]["chat_waiting"] == before["chat_waiting"] + 1
    assert section["channels"]["line"]["chat_answered_within_sla"] >= 1
    assert section["channels"]["email"]["chat_waiting"] >= 1
