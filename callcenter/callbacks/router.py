"""`/api/v1/callbacks`: list tasks with their steps, cancel one (supervisors: PDPA numbers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from callcenter.callbacks import service as cb_service
from callcenter.callbacks.models import State
from callcenter.callbacks.schemas import CancelIn, task_out
from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, InvalidInput, errors
from callcenter.services import ServicesDep, SessionsDep
from callcenter.users.deps import SupervisorUser as Supervisor
from callcenter.validation import Id8

router = APIRouter(prefix="/api/v1", tags=["callbacks"], responses=errors(*SIGNED_IN, *CHANGES))


def check_status(status: str | None) -> None:
    if status is not None and status not in State.__members__:
        raise InvalidInput(
            f"unknown status {status!r} / ไม่รู้จักสถานะนี้", known=list(State.__members__)
        )


@router.get("/callbacks")
async def list_callbacks(
    _: Supervisor,
    sessions: SessionsDep,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Tasks, newest drop first, with every timestamped step and attempt."""
    check_status(status)
    async with sessions() as session:
        rows = await cb_service.listing(session=session, status=status, limit=limit)
    return {"callbacks": [task_out(task, events) for task, events in rows]}


@router.post("/callbacks/{task_id}/cancel")
async def cancel_callback(
    task_id: Id8, body: CancelIn, user: Supervisor, parts: ServicesDep
) -> dict[str, Any]:
    """Cancel a waiting callback with a reason (it stays counted as owed)."""
    async with transaction(parts.sessions) as session:
        task = await cb_service.cancel(
            session=session, task_id=task_id, reason=body.reason.strip(), by=user.username
        )
        task_id = task.id
    dialer = parts.callbacks.dialer
    if dialer is not None:
        await dialer.scheduler.forget(task_id)
    async with parts.sessions() as session:
        ((task, events),) = await cb_service.listing(
            session=session, status=None, limit=1, task_id=task_id
        )
    return task_out(task, events)
