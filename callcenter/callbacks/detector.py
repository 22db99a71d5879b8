"""Turns stored drops into callback tasks, cancels tasks whose caller got through on their own.

Reads `queue_calls` (durable, filled live from AMI and completed from queue_log after a
gap), so drops that only reach the table after a restart still become tasks; each queue
call is linked once (`callback_drops.queue_call_id` is unique).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.background import Background
from callcenter.callbacks import drops as drops_q
from callcenter.callbacks import service as cb_service
from callcenter.db import transaction

log = logging.getLogger(__name__)

OnTask = Callable[[int, datetime], Awaitable[None]]


class Detector(Background):
    task_name = "callback-detector"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        policy: cb_service.Policy,
        on_due: OnTask | None,
        on_closed: Callable[[int], Awaitable[None]] | None,
        on_summary: Callable[[], None],
        interval_s: float = 1.0,
        soon_s: float = 300.0,
    ) -> None:
        self._sessions, self._policy = sessions, policy
        self._on_due, self._on_closed, self._on_summary = on_due, on_closed, on_summary
        self._interval, self._soon = interval_s, soon_s
        self.summary: cb_service.Summary = (0, None, None, 0, 0, 0)
        self.owed_numbers: frozenset[str] = frozenset()
        self.last_error: str | None = None

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
                self.last_error = None
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("callback detection failed, will retry: %s", self.last_error)
            await asyncio.sleep(self._interval)

    async def run_once(self) -> int:
        """One pass: new drops → tasks, caller-reached cancels, the wallboard summary.

        It starts with one probe statement; the queries that link drops run only when there
        are drops or cuts to link, the cancel/expire sweep only when a task is due to close
        (each would find nothing otherwise), so a pass with nothing to do is one statement.
        """
        now = datetime.now(UTC)
        async with self._sessions() as session:
            probe = await drops_q.probe(session=session, policy=self._policy, now=now)
        created = await self._link(now) if probe.drops or probe.cuts else []
        cancelled: list[int] = []
        if probe.closable or created:
            async with transaction(self._sessions) as session:
                cancelled = await cb_service.cancel_caller_reached(session=session, now=now)
                cancelled += await cb_service.expire(session=session, now=now)
        for task_id, due in created:
            if self._on_due is not None:
                await self._on_due(task_id, due)
        for task_id in cancelled:
            if self._on_closed is not None:
                await self._on_closed(task_id)
        if probe.drops or probe.cuts or cancelled or probe.summary[0] != self.summary[0]:
            await self._summarise()  # the open tasks changed: their numbers too
        else:
            self._show(probe.summary)
        return len(created)

    async def _link(self, now: datetime) -> list[tuple[int, datetime]]:
        """Every unlinked drop and cut gets its task (or joins one); the new pending tasks."""
        async with self._sessions() as session:
            drops = await drops_q.new_drops(session=session, policy=self._policy, now=now)
            cuts = await drops_q.new_cuts(session=session, policy=self._policy, now=now)
        created = []
        for call, cut_at in [*((d, None) for d in drops), *cuts]:
            async with transaction(self._sessions) as session:
                task = await cb_service.record_drop(
                    session=session, call=call, policy=self._policy, cut_at=cut_at
                )
                if task is not None and task.state == "pending" and task.drops == 1:
                    created.append((task.id, task.due_at or now))
        return created

    async def _summarise(self) -> None:
        async with self._sessions() as session:
            summary = await cb_service.open_summary(session=session)
            self.owed_numbers = frozenset(await cb_service.open_numbers(session=session))
        self._show(summary)

    def owes(self, number: str) -> bool:
        """Whether a caller (their number) is owed a callback now (the board's waiting list)."""
        return bool(number) and number in self.owed_numbers

    def _show(self, summary: cb_service.Summary) -> None:
        if summary != self.summary:
            self.summary = summary
            self._on_summary()

    def board_section(self, now: float | None = None) -> dict[str, Any]:
        """The wallboard's `callbacks` part: counts and ages only (no numbers: PDPA)."""
        now = time.time() if now is None else now
        count, oldest, deadline, dialing, reached, not_reached = self.summary
        left = None if deadline is None else round(deadline.timestamp() - now, 1)
        return {
            "open": count,
            "oldest_age_s": None if oldest is None else round(now - oldest.timestamp(), 1),
            "oldest_dropped_at": None if oldest is None else oldest.timestamp(),
            "nearest_deadline_s": left,
            "deadline_soon": left is not None and left <= self._soon,
            "dialing": dialing,
            "reached_24h": reached,
            "not_reached_24h": not_reached,
        }
