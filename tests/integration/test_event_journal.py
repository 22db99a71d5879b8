"""AMI events survive a PostgreSQL outage and a restart during it: they wait in the journal."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from callcenter.ami.store import EventWriter
from callcenter.config import Settings
from callcenter.db import make_db_engine
from tests.helpers import free_port, poll

pytestmark = pytest.mark.integration


def join(tag: str, n: int) -> dict[str, str]:
    return {
        "Event": "QueueCallerJoin", "Queue": "digital-law", "Uniqueid": f"{tag}-{n}",
        "Linkedid": f"{tag}-{n}", "Timestamp": f"1795900000.{n:06d}",
    }  # fmt: skip


async def test_events_wait_in_the_journal_through_an_outage_and_a_restart(
    settings: Settings, tmp_path: Path
) -> None:
    tag, journal = uuid.uuid4().hex[:10], tmp_path / "journal" / "ami-events.jsonl"
    nobody_home = make_url(settings.database_url).set(port=free_port())  # PostgreSQL "down"
    down = make_db_engine(nobody_home.render_as_string(hide_password=False))
    writer = EventWriter(db_engine=down, journal=journal, flush_interval_s=0.05, retry_max_s=0.1)
    await writer.start()
    for n in range(1200):
        writer.add(join(tag, n))
    await poll(lambda: writer.journaled == 1200, timeout_s=15, what="events journaled")
    assert writer.pending == 0  # memory freed: the backlog is on disk
    await writer.stop()  # the service stops during the outage
    await down.dispose()
    with journal.open("a") as f:
        f.write('["torn')  # a crash in the middle of a line: the rest still counts

    up = make_db_engine(settings.database_url)  # the database is back; the service restarts
    restarted = EventWriter(db_engine=up, journal=journal, flush_interval_s=0.05)
    assert restarted.journaled == 1201
    await restarted.start()
    restarted.add(join(tag, 1200))
    await poll(lambda: not journal.exists() and restarted.pending == 0, timeout_s=15)
    await restarted.stop()
    async with up.connect() as conn:
        stored = await conn.scalar(
            text("SELECT count(*) FROM ami_events WHERE uniqueid LIKE :tag"), {"tag": f"{tag}-%"}
        )
    await up.dispose()
    assert stored == 1201 and restarted.journaled == 0
