"""The agent's screen pop for a callback (Thai and English)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.callbacks import service
from callcenter.callbacks.models import CallbackTask

if TYPE_CHECKING:
    from callcenter.callbacks.dialer import DialConfig


def screen_pop(task: CallbackTask, config: DialConfig) -> dict[str, Any]:
    """The pop "callback to <number>, dropped at <time>, queue <q>" for `agent:<member>`."""
    local = task.dropped_at.astimezone(ZoneInfo(config.tz))
    at = local.strftime("%H:%M:%S")
    th, en = config.labels.get(task.queue, (task.queue, task.queue))
    return {
        "type": "callback",
        "task_id": task.id,
        "attempt": task.attempts,
        "number": task.number,
        "queue": task.queue,
        "dropped_at": task.dropped_at.isoformat(),
        "deadline_at": task.deadline_at.isoformat(),
        "text_en": f"Callback to {task.number}, dropped at {at}, queue {en}",
        "text_th": f"โทรกลับหา {task.number} สายหลุดเวลา {at} คิว {th}",
    }


def owed_lookup(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[str, str], Awaitable[Mapping[str, Any] | None]]:
    """For the call pop: the callback a ringing caller is still owed (the agent then knows
    this call answers a dropped one), or None."""

    async def lookup(_call_id: str, caller: str) -> Mapping[str, Any] | None:
        async with sessions() as session:
            task = await service.open_for_number(session=session, number=caller)
        if task is None:
            return None
        return {
            "task_id": task.id, "number": task.number, "queue": task.queue,
            "state": task.state, "dropped_at": task.dropped_at.isoformat(),
        }  # fmt: skip

    return lookup
