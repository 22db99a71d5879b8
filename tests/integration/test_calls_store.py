"""Queue-call records survive a round trip through PostgreSQL; a re-sent record updates in place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from callcenter.calls import service as calls_service
from queue_metrics.records import CallRecord, Outcome

pytestmark = pytest.mark.integration

T0 = 1_795_900_000.0


async def test_upsert_then_read_back_by_period(app: FastAPI) -> None:
    tag = uuid.uuid4().hex[:8]
    waiting = CallRecord(
        call_id=f"{tag}-a", linkedid=f"{tag}-a", queue="digital-law", entered_at=T0, caller="0812"
    )
    done = waiting.with_(
        outcome=Outcome.answered, wait_s=4, answered_at=T0 + 4, agent="agent01", talk_s=60,
        ended_at=T0 + 64,
    )  # fmt: skip
    other = CallRecord(
        call_id=f"{tag}-b", linkedid=f"{tag}-b", queue="cyber-threats", entered_at=T0 + 3600,
        outcome=Outcome.abandoned, wait_s=9, ended_at=T0 + 3609,
    )  # fmt: skip
    async with app.state.services.sessions() as session, session.begin():
        await calls_service.upsert(session=session, records=[waiting, other], source="ami")
    async with app.state.services.sessions() as session, session.begin():
        await calls_service.upsert(session=session, records=[done], source="ami")

    start = datetime.fromtimestamp(T0, tz=UTC)
    end = datetime.fromtimestamp(T0 + 3600, tz=UTC)
    async with app.state.services.sessions() as session:
        first_hour = await calls_service.between(session=session, start=start, end=end)
        law = await calls_service.between(
            session=session, start=start, end=end + timedelta(hours=1), queue="cyber-threats"
        )
    mine = [r for r in first_hour if r.call_id.startswith(tag)]
    assert mine == [done]
    assert [r.call_id for r in law if r.call_id.startswith(tag)] == [f"{tag}-b"]
