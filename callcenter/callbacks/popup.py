"""The agent's screen pop for a callback (Thai and English)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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
