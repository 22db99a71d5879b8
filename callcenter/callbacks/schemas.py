"""API shapes of callback tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from callcenter.callbacks.models import CallbackEvent, CallbackTask
from callcenter.validation import InputModel


class CancelIn(InputModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the callback is cancelled")


class AssignIn(InputModel):
    agent: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
        description="The agent (member name) who alone dials this callback; null: any agent "
        "of its queue again",
    )  # fmt: skip
    reason: str = Field(min_length=1, max_length=500, description="Why (kept with the step)")


class EventOut(BaseModel):
    at: datetime
    kind: str
    state: str | None
    attempt: int | None
    detail: str | None


class TaskOut(BaseModel):
    id: int
    number: str
    callable: bool
    queue: str
    state: str
    outcome: str | None
    dropped_at: datetime
    deadline_at: datetime
    due_at: datetime | None
    attempts: int
    drops: int
    first_dial_at: datetime | None
    reached_at: datetime | None
    closed_at: datetime | None
    agent: str | None
    assigned_to: str | None
    cancel_reason: str | None
    events: list[EventOut]


def task_out(task: CallbackTask, events: list[CallbackEvent]) -> dict[str, Any]:
    """JSON-ready task with its timestamped events."""
    body = TaskOut(
        **{name: getattr(task, name) for name in TaskOut.model_fields if name != "events"},
        events=[EventOut.model_validate(e, from_attributes=True) for e in events],
    )
    return body.model_dump(mode="json")
