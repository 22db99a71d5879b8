"""The wallboard's staffing line: the current interval's forecast from the same weekday and
interval of the last four weeks of stored calls, and the agents Erlang C needs for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from callcenter import centre
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.kpi import service as kpi_service
from callcenter.staffing import erlang
from callcenter.staffing.board import StaffingBoard
from callcenter.staffing.forecast import Rules
from tests.integration.conftest import own_database

pytestmark = pytest.mark.integration
BKK = ZoneInfo("Asia/Bangkok")
NOW = datetime(2026, 11, 30, 10, 7, tzinfo=BKK)  # a Monday, inside 10:00-10:15


@pytest.fixture
def fresh(settings: Settings) -> Iterator[Settings]:
    with own_database(settings, "callcenter_staffing") as own:
        yield own


INSERT = """
INSERT INTO queue_calls (call_id, linkedid, queue, entered_at, caller, outcome, wait_s, agent,
    answered_at, talk_s, hold_s, wrapup_s, ended_at, source)
SELECT CAST(:tag AS text) || i, CAST(:tag AS text) || i, 'online-shopping',
       CAST(:at AS timestamptz) + make_interval(secs => i * 7), '', 'answered', 3, 'agent01',
       CAST(:at AS timestamptz) + make_interval(secs => i * 7 + 3), 170, 0, 10,
       CAST(:at AS timestamptz) + make_interval(secs => i * 7 + 173), 'ami'
FROM generate_series(0, CAST(:n AS int) - 1) AS i
"""


async def test_the_current_interval_needs_what_erlang_c_gives(fresh: Settings) -> None:
    engine = make_db_engine(fresh.database_url)
    try:
        async with engine.begin() as conn:
            # Four past Mondays at 10:00: 80, 100, 120 and 100 calls of 180 s (talk + wrap-up)
            # in the quarter hour; a Tuesday 10:00 with 500 calls that must not count.
            for weeks, n in ((1, 80), (2, 100), (3, 120), (4, 100)):
                at = (NOW - timedelta(weeks=weeks)).replace(minute=0)
                await conn.execute(text(INSERT), {"tag": f"w{weeks}-", "at": at, "n": n})
            tuesday = (NOW - timedelta(days=6)).replace(minute=0)
            await conn.execute(text(INSERT), {"tag": "tue-", "at": tuesday, "n": 100})
        config = kpi_service.metrics_config(
            centre.load(fresh.conf_dir), sl_threshold_s=15, short_abandon_s=5
        )
        rules = Rules(interval_min=15, weeks=4, target_s=15, service_level=0.9, shrinkage=0.3)
        board = StaffingBoard(
            sessions=make_sessionmaker(engine), config=config, rules=rules,
            clock=NOW.timestamp,
        )  # fmt: skip
        assert board.section(NOW.timestamp()) is None  # nothing planned yet
        await board.refresh()
        line = board.section(NOW.timestamp())
    finally:
        await engine.dispose()
    assert line is not None
    assert line["interval_start"] == "2026-11-30T10:00+07:00"
    assert line["forecast_calls"] == 100.0 and line["aht_s"] == 180.0
    # 100 calls of 180 s in 900 s: 20 erlangs; 90 % within 15 s.
    need = erlang.agents_needed(20.0, aht_s=180, target_s=15, service_level=0.9)
    assert line["agents_needed"] == need.agents > 20
    assert line["agents_scheduled"] == erlang.with_shrinkage(need.agents, 0.3)
    quiet = board.section((NOW.replace(hour=3)).timestamp())
    assert quiet is not None and quiet["agents_needed"] == 0
