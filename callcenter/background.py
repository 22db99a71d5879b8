"""One loop task per long-lived part: the same start/stop everywhere.

Python 3.11's `asyncio.wait_for` can swallow a cancellation that arrives in the same loop
turn as its result (an AMI reply, a set event): the task then runs on while its owner waits
for it to end, for ever. Loops here wait with `wait_event` / `asyncio.timeout` instead, and
`cancel_and_wait` cancels again a task that ignored its cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)

RECANCEL_AFTER_S = 5.0  # a task still running this long after its cancellation is cancelled again


async def wait_event(event: asyncio.Event, timeout_s: float) -> bool:
    """Whether `event` was set within `timeout_s` (a cancellation is never swallowed)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await event.wait()
    return event.is_set()


async def cancel_and_wait(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and wait until it has ended, cancelling again if it swallowed that.

    Its own exception, if it ended with one, is logged, not raised: stopping goes on.
    """
    task.cancel()
    while not task.done():
        done, _ = await asyncio.wait({task}, timeout=RECANCEL_AFTER_S)
        if not done:
            log.warning("%s ignored its cancellation: cancelling again", _name(task))
            task.cancel()
    if not task.cancelled() and task.exception() is not None:
        log.warning("%s ended with %r", _name(task), task.exception())


def _name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)


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
            await cancel_and_wait(self._task)
            self._task = None
        await self._stopped()
