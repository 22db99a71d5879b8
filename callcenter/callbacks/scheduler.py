"""Due times in APScheduler 3's persistent job store: a restart loses no wake-up.

The database task state is the truth (a task is dialled only after the atomic claim);
the job store keeps *when* to look at a task again across restarts. A job whose time
passed while the service was down runs at once (misfire_grace_time=None, coalesce).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

JOB_TABLE = "callback_jobs"
# Jobs are stored by reference ("module:function"), so the running dialer is found by key.
_TARGETS: dict[str, Callable[[int], None]] = {}


async def fire(key: str, task_id: int) -> None:
    """The stored job: tell the dialer of this service that a task is due."""
    target = _TARGETS.get(key)
    if target is None:
        log.warning("callback job for task %s fired with no dialer (%s)", task_id, key)
        return
    target(task_id)


class DueScheduler:
    """One job per open task (id `<prefix>-<task>`), at its due time. Other modules (the chat
    desk's broadcasts) use it with a job table and prefix of their own."""

    def __init__(
        self,
        *,
        url: str,
        key: str,
        on_due: Callable[[int], None],
        table: str = JOB_TABLE,
        prefix: str = "callback",
    ) -> None:
        self._key, self._prefix = key, prefix
        self._on_due = on_due
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=url, tablename=table)},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone="UTC",
        )

    async def start(self) -> None:
        _TARGETS[self._key] = self._on_due
        # Once, at start-up: the job store creates its table if missing (a short sync call).
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        _TARGETS.pop(self._key, None)

    async def at(self, task_id: int, when: datetime) -> None:
        """Wake the dialer for `task_id` at `when` (replaces an earlier job of the task)."""
        await asyncio.to_thread(
            self._scheduler.add_job,
            "callcenter.callbacks.scheduler:fire",
            trigger="date",
            run_date=when,
            args=[self._key, task_id],
            id=f"{self._prefix}-{task_id}",
            replace_existing=True,
        )

    async def forget(self, task_id: int) -> None:
        with contextlib.suppress(JobLookupError):
            await asyncio.to_thread(self._scheduler.remove_job, f"{self._prefix}-{task_id}")
