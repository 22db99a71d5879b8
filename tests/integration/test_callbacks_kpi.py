"""Callback KPIs in PostgreSQL: a second drop that joins the caller's open task is owed in the
first drop's period and shows as callback_drops_joined in its own (docs/kpi-v1.md)."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.callbacks import figures
from callcenter.callbacks import service as cb_service
from callcenter.calls import service as calls_service
from callcenter.calls.models import QueueCall
from callcenter.config import Settings, get_settings
from callcenter.db import make_db_engine, make_sessionmaker
from queue_metrics.records import CallRecord, Outcome
from tests.integration.conftest import cli, own_database

pytestmark = pytest.mark.integration

QUEUE, OTHER_QUEUE = "illegal-websites", "online-shopping"
WINDOW_S = 1800.0
POLICY = cb_service.Policy(
    window_s=WINDOW_S, offsets=(0.0, 600.0), number_pattern=r"08\d{8}", short_abandon_s=5
)


@dataclass(frozen=True)
class Scene:
    """Drops minutes before `now` (the window still open, so a second drop can join)."""

    sessions: async_sessionmaker[AsyncSession]
    now: datetime

    @property
    def first(self) -> datetime:  # A's first drop
        return self.now - timedelta(minutes=20)

    @property
    def second(self) -> datetime:  # A's second drop, B's and the withheld caller's
        return self.now - timedelta(minutes=10)

    @property
    def early(self) -> tuple[datetime, datetime]:  # holds A's first drop only
        return self.now - timedelta(minutes=25), self.now - timedelta(minutes=15)

    @property
    def late(self) -> tuple[datetime, datetime]:  # holds the other three
        return self.now - timedelta(minutes=15), self.now


@pytest.fixture(scope="module")
def db_settings(stack_status: dict[str, dict[str, object]]) -> Iterator[Settings]:
    with own_database(get_settings(), "callcenter_cbkpi") as own:
        yield own


@pytest.fixture(scope="module")
async def scene(db_settings: Settings) -> AsyncIterator[Scene]:
    db_engine = make_db_engine(db_settings.database_url)
    made = Scene(make_sessionmaker(db_engine), datetime.now(UTC).replace(microsecond=0))
    await drop(made, "0811111111", made.first)  # A: a task, owed in `early`
    await drop(made, "0811111111", made.second, OTHER_QUEUE)  # A again, task still open: joins
    await drop(made, "0822222222", made.second)  # B: its own task, owed in `late`
    await drop(made, "anonymous", made.second)  # counted, not callable, never joins
    yield made
    await db_engine.dispose()


async def drop(scene: Scene, caller: str, at: datetime, queue: str = QUEUE) -> None:
    """A queue call that timed out at `at`, stored, then taken by the callback detector's step."""
    call_id = f"cbkpi-{uuid.uuid4().hex[:10]}"
    ended = at.timestamp()
    record = CallRecord(
        call_id=call_id, linkedid=call_id, queue=queue, entered_at=ended - 40, caller=caller,
        outcome=Outcome.timeout, wait_s=40, ended_at=ended,
    )  # fmt: skip
    async with scene.sessions() as session, session.begin():
        await calls_service.upsert(session=session, records=[record], source="ami")
        call = await session.scalar(select(QueueCall).where(QueueCall.call_id == call_id))
        assert call is not None
        await cb_service.record_drop(session=session, call=call, policy=POLICY)


async def kpis(
    scene: Scene, period: tuple[datetime, datetime], queue: str | None = None
) -> dict[str, Any]:
    async with scene.sessions() as session:
        return await figures.kpis(
            session=session, start=period[0], end=period[1], window_s=WINDOW_S, queue=queue
        )


async def test_the_joined_drop_is_owed_once_in_the_first_drops_period(scene: Scene) -> None:
    async with scene.sessions() as session:
        task = await cb_service.open_for_number(session=session, number="0811111111")
    assert task is not None and task.drops == 2 and task.dropped_at == scene.first
    early, late = await kpis(scene, scene.early), await kpis(scene, scene.late)
    assert (early["callbacks_owed"], early["callback_drops_joined"]) == (1, 0)
    assert (late["callbacks_owed"], late["callback_drops_joined"]) == (1, 1)
    assert late["callbacks_not_callable"] == 1
    both = await kpis(scene, (scene.early[0], scene.now))
    assert (both["callbacks_owed"], both["callback_drops_joined"]) == (2, 1)


async def test_a_queue_counts_the_joined_drops_of_its_own_calls(scene: Scene) -> None:
    whole = (scene.early[0], scene.now)
    mine, other = await kpis(scene, whole, QUEUE), await kpis(scene, whole, OTHER_QUEUE)
    # The task belongs to A's first queue; the joining drop happened in the other one.
    assert (mine["callbacks_owed"], mine["callback_drops_joined"]) == (2, 0)
    assert (other["callbacks_owed"], other["callback_drops_joined"]) == (0, 1)


async def test_kpi_command_shows_callback_drops_joined(scene: Scene, db_settings: Settings) -> None:
    env = {**os.environ, "CALLCENTER_DATABASE_URL": db_settings.database_url}
    start, end = (t.isoformat() for t in scene.late)
    result = await asyncio.to_thread(cli, "kpi", "--from", start, "--to", end, "--json", env=env)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert (body["callbacks_owed"], body["callback_drops_joined"]) == (1, 1)
    assert body["definition"] == "kpi-v1.1"
