"""The wallboard's chat line: today's chat-v1 (conversations handed to the admins since
local midnight, each against its stored first-reply due time), all channels and each, with the
conversations waiting now and the ones already late. Refreshed in the background; the
wallboard's section reads the last figures (docs/kpi-v1.md §10)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.chat import kpi
from callcenter.chat.sla import Rules as SlaRules
from queue_metrics import intervals


class ChatBoard:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sla: SlaRules,
        tz: str,
        clock: Callable[[], float] = time.time,
        refresh_s: float = 15.0,
    ) -> None:
        self._sessions, self._sla, self._clock = sessions, sla, clock
        self._tz, self._refresh_s = intervals.zone(tz), refresh_s
        self._figures: dict[str, Any] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="chat-board")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):  # the board keeps the last figures
                await self.refresh()
            await asyncio.sleep(self._refresh_s)

    async def refresh(self) -> None:
        now = datetime.fromtimestamp(self._clock(), UTC)
        local = now.astimezone(self._tz)
        start = datetime(local.year, local.month, local.day, tzinfo=self._tz)
        async with self._sessions() as session:
            figures = await kpi.figures(
                session=session, start=start, end=start + timedelta(days=1),
                sla=self._sla, now=now,
            )  # fmt: skip
        self._figures = figures

    def section(self, _now: float) -> dict[str, Any] | None:
        """The board's "chat" section (None before the first refresh or with no chat today)."""
        figures = self._figures
        if figures is None or not figures["total"]["chat_offered"]:
            return None
        return {
            "definition": figures["definition"],
            "total": figures["total"],
            "channels": figures["channels"],
        }
