"""AMI event storage: batched idempotent writer vs one INSERT per event, same run, same DB.

Prints events/s for both and the ratio (batched / per-event). Needs PostgreSQL
(`callcenter stack up`); creates and drops its own database.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import _root  # noqa: F401  (before any project import: see _root.py)
from sqlalchemy.dialects.postgresql import insert

from callcenter import migrate
from callcenter.ami.events import to_row
from callcenter.ami.models import AmiEvent
from callcenter.ami.store import EventWriter
from callcenter.config import get_settings
from callcenter.db import make_db_engine

N = 5000


def events(tag: str, n: int) -> list[dict[str, str]]:
    base = time.time()
    return [
        {
            "Event": ("QueueCallerJoin", "AgentCalled", "AgentConnect", "AgentComplete")[i % 4],
            "Timestamp": f"{base + i / 1e4:.6f}",
            "Channel": f"Local/general-enquiries@callers-{i:08x};2",
            "Uniqueid": f"{tag}-{i // 4:06d}-net",
            "Linkedid": f"{tag}-{i // 4:06d}",
            "Queue": "general-enquiries",
            "CallerIDNum": "0812345678",
            "Position": "1",
            "HoldTime": "3",
        }
        for i in range(n)
    ]


async def main() -> None:
    settings = get_settings()
    url = settings.database_url.rsplit("/", 1)[0] + f"/callcenter_bench_{uuid.uuid4().hex[:8]}"
    sync_url = url.replace("+asyncpg", "+psycopg")
    migrate.ensure_database(sync_url)
    migrate.upgrade(sync_url)
    engine = make_db_engine(url)
    try:
        baseline_events = events("base", N)
        t0 = time.perf_counter()
        for e in baseline_events:
            async with engine.begin() as conn:
                stmt = insert(AmiEvent).on_conflict_do_nothing(index_elements=["dedup_key"])
                row = to_row(e, received_at=time.time())._asdict()
                row["event_ts"] = datetime.fromtimestamp(row["event_ts"], tz=UTC)
                row["headers"] = e  # the ORM's JSONB type encodes it
                await conn.execute(stmt, [row])
        per_event = N / (time.perf_counter() - t0)

        writer = EventWriter(db_engine=engine)
        batched_events = events("batch", N)
        t0 = time.perf_counter()
        for e in batched_events:
            writer.add(e)
            if writer.pending >= 500:
                await writer.flush()
        await writer.flush()
        batched = N / (time.perf_counter() - t0)
        assert writer.written == N
    finally:
        await engine.dispose()
        migrate.drop_database(sync_url)
    print(f"per-event INSERT (baseline): {per_event:,.0f} events/s")
    print(f"batched writer:              {batched:,.0f} events/s")
    print(f"ratio batched/baseline:      {batched / per_event:.1f}x  ({N} events each)")


if __name__ == "__main__":
    asyncio.run(main())
