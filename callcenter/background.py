"""One loop task per long-lived part: the same start/stop everywhere."""

from __future__ import annotations

import asyncio
import contextlib


class Background:
    """Subclasses write `_run()`; `start()` runs it once, `stop()` cancels it, then `_stopped()`."""

    task_name = "background"
    _task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        raise NotImplementedError

    async def _stopped(self) -> None:
        """Last words after the loop ended (e.g. a final flush)."""

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._stopped()
