"""The wallboard's alert history is kept in PostgreSQL: a restart keeps past incidents, with
who acknowledged them, and ends the ones the stopped service left firing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.alerts import rules
from callcenter.alerts.models import AlertAction
from callcenter.alerts.service import AlertService
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from tests.integration.conftest import own_database

pytestmark = pytest.mark.integration


class Board:
    """The figures one queue's SL rule reads, switched low or fine."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.sl = 95.0

    def snapshot(self) -> dict[str, Any]:
        queue = {
            "name": "online-shopping", "label_th": "ซื้อขายออนไลน์", "label_en": "Online shopping",
            "waiting": 0, "longest_wait_s": None, "agents": {"available": 1, "on_call": 1},
            "kpi_60m": {"offered": 10, "sl_pct": self.sl, "abandon_rate_pct": 0.0},
        }  # fmt: skip
        return {"queues": {"online-shopping": queue}, "centre": {**queue, "name": ""}}

    def set_alerts(self, items: list[dict[str, Any]]) -> None:
        self.alerts = items


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    with own_database(settings, "callcenter_alerts") as own:
        engine = make_db_engine(own.database_url)
        try:
            yield make_sessionmaker(engine)
        finally:
            await engine.dispose()


def service(board: Board, clock: Clock, sessions: async_sessionmaker[AsyncSession]) -> AlertService:
    rule = rules.Rule(rules.SL_LOW, 90, min_offered=5, centre=False)
    return AlertService(wallboard=board, rules=[rule], mailer=None, clock=clock, sessions=sessions)


async def test_past_incidents_outlive_a_restart_and_left_firing_ones_end(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    board, clock = Board(), Clock()
    first = service(board, clock, sessions)
    board.sl = 40.0
    await first.evaluate_once()
    started = clock.now
    (shown,) = board.alerts
    first.acknowledge(shown["id"], by="sup-1", now=clock.now)
    async with sessions() as session, session.begin():  # what the router writes beside it
        session.add(AlertAction(at=datetime.fromtimestamp(clock.now + 1, tz=UTC), user_id=None,
                                username="sup-1", alert_id=shown["id"], action="acknowledge",
                                until=None, text_en=shown["text_en"]))  # fmt: skip
    clock.now += 60
    board.sl = 95.0
    await first.evaluate_once()  # ended
    clock.now += 60
    board.sl = 40.0
    await first.evaluate_once()  # a second incident, still firing when the service stops

    clock.now += 60
    again = service(Board(), clock, sessions)  # a restart: nothing in memory
    assert list(again.history) == []
    assert await again.close_stale_incidents() == 1
    past = await again.stored_history()
    assert [(p["since"], p["ended"]) for p in past] == [
        (pytest.approx(started + 120), pytest.approx(clock.now)),  # ended at the restart
        (pytest.approx(started), pytest.approx(started + 60)),
    ]
    assert [p["acknowledged_by"] for p in past] == [None, "sup-1"]
    assert past[1]["text_en"] == "Online shopping SL (60 min) 40.0% is below 90%"
