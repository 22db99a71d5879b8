"""APScheduler 3 with a persistent job store: the wake-ups of the report packs and of social
publishing.

Jobs are kept in a table of the service's database by reference ("module:function" and its
arguments), so a restart loses none; a wake-up whose time passed while the service was down
runs once, at once (misfire_grace_time=None, coalesced), and a job never runs twice at the
same time. Cron times are the centre's (Asia/Bangkok).
"""

from __future__ import annotations

import asyncio

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

TIMEZONE = "Asia/Bangkok"


def start_persistent(url: str, table: str) -> AsyncIOScheduler:
    """A running scheduler whose jobs live in `table` at `url` (a sync SQLAlchemy URL; the job
    store makes the table when it is missing)."""
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url, tablename=table)},
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        timezone=TIMEZONE,
    )
    scheduler.start()
    return scheduler


async def stop(scheduler: AsyncIOScheduler | None, loop: asyncio.Task[None] | None) -> None:
    """Shuts the scheduler down (its stored jobs stay for the next start) without waiting for
    a running job, then cancels the service's round loop and waits for it to end."""
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
    if loop is not None:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
