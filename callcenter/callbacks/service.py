"""Callback tasks in PostgreSQL: create or join on a drop, claim atomically, record each step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    DateTime,
    Select,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.callbacks import rules
from callcenter.callbacks.models import (
    DUE_STATES,
    OPEN_STATES,
    CallbackDrop,
    CallbackEvent,
    CallbackTask,
    State,
)
from callcenter.calls.models import QueueCall
from callcenter.errors import Conflict, NotFound


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Policy:
    """The configured window, retry schedule and callable-number rule."""

    window_s: float
    offsets: tuple[float, ...]
    number_pattern: str
    short_abandon_s: int


def add_event(
    session: AsyncSession,
    task_id: int,
    kind: str,
    *,
    state: str | None = None,
    attempt: int | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        CallbackEvent(
            task_id=task_id,
            at=at or utcnow(),
            kind=kind,
            state=state,
            attempt=attempt,
            detail=detail,
        )
    )


async def record_drop(
    *, session: AsyncSession, call: QueueCall, policy: Policy, cut_at: datetime | None = None
) -> CallbackTask | None:
    """Create a task for a drop, or join the caller's open one; None for a short abandon.

    `cut_at`: an answered call cut by a technical failure at that moment. Every queue
    call looked at is remembered (short abandons too), so none is seen twice.
    """
    dropped_at = cut_at or call.ended_at
    assert dropped_at is not None
    kind = "cut" if cut_at else (call.outcome or "")
    owed = cut_at is not None or rules.is_drop(
        outcome=call.outcome, wait_s=call.wait_s, short_abandon_s=policy.short_abandon_s
    )
    task = await _task_for(session, call, policy, dropped_at, kind) if owed else None
    await session.execute(
        insert(CallbackDrop)
        .values(
            queue_call_id=call.id,
            task_id=task.id if task else None,
            kind=kind,
            dropped_at=dropped_at,
        )
        .on_conflict_do_nothing()
    )
    return task


async def record_request(
    *,
    session: AsyncSession,
    number: str,
    queue: str,
    call_id: str,
    policy: Policy,
    at: datetime | None = None,
) -> CallbackTask:
    """The caller asked to be called back from the queue (and was withdrawn): a task at once,
    due now, in the same window as a drop's; a caller with an open task joins it."""
    at = at or utcnow()
    reason = rules.not_callable_reason(number, pattern=policy.number_pattern)
    detail = f"requested {call_id}"
    if reason is None:
        open_task = await session.scalar(
            select(CallbackTask)
            .where(CallbackTask.number == number, CallbackTask.state.in_(OPEN_STATES))
            .with_for_update()
        )
        if open_task is not None:
            open_task.drops += 1
            add_event(session, open_task.id, "joined", detail=detail)
            return open_task
    task = CallbackTask(
        number=number,
        callable=reason is None,
        queue=queue,
        origin="requested",
        state=State.pending if reason is None else State.not_callable,
        outcome=reason,
        dropped_at=at,
        deadline_at=at + timedelta(seconds=policy.window_s),
        due_at=at if reason is None else None,
        attempts=0,
        drops=1,
        closed_at=None if reason is None else at,
    )
    session.add(task)
    await session.flush()
    add_event(session, task.id, "created", state=task.state, detail=detail)
    return task


async def change_number(
    *, session: AsyncSession, task_id: int, number: str, policy: Policy
) -> CallbackTask | None:
    """The caller keyed another number to be called back on (before the task was dialled)."""
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None or task.number == number or task.state not in DUE_STATES:
        return task
    if rules.not_callable_reason(number, pattern=policy.number_pattern) is not None:
        return task
    task.number = number
    task.callable = True
    add_event(session, task.id, "number_changed", state=task.state, detail="keyed by the caller")
    return task


async def _task_for(
    session: AsyncSession, call: QueueCall, policy: Policy, dropped_at: datetime, kind: str
) -> CallbackTask:
    reason = rules.not_callable_reason(call.caller, pattern=policy.number_pattern)
    detail = f"{kind} {call.call_id}"
    if reason is None:
        open_task = await session.scalar(
            select(CallbackTask)
            .where(CallbackTask.number == call.caller, CallbackTask.state.in_(OPEN_STATES))
            .with_for_update()
        )
        if open_task is not None:
            open_task.drops += 1
            add_event(session, open_task.id, "joined", detail=detail)
            return open_task
    deadline = dropped_at + timedelta(seconds=policy.window_s)
    expired = reason is None and deadline <= utcnow()  # found too late (e.g. after an outage)
    task_open = reason is None and not expired
    task = CallbackTask(
        number=call.caller,
        callable=reason is None,
        queue=call.queue,
        state=State.failed if expired else State.pending if reason is None else State.not_callable,
        outcome="expired" if expired else reason,
        dropped_at=dropped_at,
        deadline_at=deadline,
        due_at=dropped_at + timedelta(seconds=policy.offsets[0]) if task_open else None,
        attempts=0,
        drops=1,
        closed_at=None if task_open else utcnow(),
    )
    session.add(task)
    await session.flush()
    add_event(session, task.id, "created", state=task.state, detail=detail)
    return task


async def claim(*, session: AsyncSession, task_id: int, agent: str) -> CallbackTask | None:
    """pending/retry_wait → dialing, atomically: a task is dialled by one attempt only."""
    task = await session.scalar(
        update(CallbackTask)
        .where(
            CallbackTask.id == task_id,
            CallbackTask.state.in_(DUE_STATES),
            CallbackTask.deadline_at > func.now(),  # never dial past the window
        )
        .values(state=State.dialing, attempts=CallbackTask.attempts + 1, agent=agent)
        .returning(CallbackTask)
    )
    if task is not None:
        add_event(
            session, task.id, "dialing", state=State.dialing, attempt=task.attempts, detail=agent
        )
    return task


async def close_or_retry(
    *, session: AsyncSession, task_id: int, outcome: str, policy: Policy, detail: str | None = None
) -> CallbackTask | None:
    """After an unreached attempt: retry_wait with the next due time, or failed."""
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None or task.state != State.dialing:
        return None
    now = utcnow()
    due = (
        None
        if outcome == "invalid"
        else rules.next_due(
            dropped_at=task.dropped_at,
            deadline_at=task.deadline_at,
            attempts=task.attempts,
            offsets=policy.offsets,
            now=now,
        )
    )
    task.outcome = outcome
    if due is None:
        task.state, task.closed_at, task.due_at = State.failed, now, None
    else:
        task.state, task.due_at = State.retry_wait, due
    add_event(session, task.id, outcome, state=task.state, attempt=task.attempts, detail=detail)
    return task


async def release(*, session: AsyncSession, task_id: int, detail: str) -> CallbackTask | None:
    """The agent did not take the callback: back to pending, the attempt is not counted."""
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None or task.state != State.dialing:
        return None
    task.state, task.attempts = State.pending, max(0, task.attempts - 1)
    task.due_at = utcnow()
    add_event(session, task.id, "agent_missed", state=task.state, detail=detail)
    return task


async def mark_dialled(*, session: AsyncSession, task_id: int, attempt: int, at: datetime) -> None:
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None:
        return
    if task.first_dial_at is None:
        task.first_dial_at = at
    add_event(session, task_id, "customer_dialled", state=task.state, attempt=attempt, at=at)


async def mark_reached(*, session: AsyncSession, task_id: int, attempt: int, at: datetime) -> None:
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None or task.state == State.reached:
        return
    task.state, task.outcome, task.reached_at, task.closed_at = State.reached, "reached", at, at
    task.due_at = None
    add_event(session, task_id, "reached", state=State.reached, attempt=attempt, at=at)


def _expired(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return CallbackTask.state.in_(DUE_STATES) & (CallbackTask.deadline_at <= now)


def _caller_reached() -> ColumnElement[bool]:
    answered = select(QueueCall.id).where(
        QueueCall.caller == CallbackTask.number,
        QueueCall.answered_at > CallbackTask.dropped_at,
        QueueCall.entered_at >= CallbackTask.dropped_at - timedelta(hours=1),
    )
    return CallbackTask.state.in_(DUE_STATES) & answered.exists()


def closable(now: datetime | BindParameter[datetime]) -> Select[int]:
    """Tasks that `expire` or `cancel_caller_reached` would close now."""
    return select(CallbackTask.id).where(_expired(now) | _caller_reached())


async def expire(*, session: AsyncSession, now: datetime) -> list[int]:
    """Waiting tasks whose window ended without reaching the caller: failed (owed, missed)."""
    tasks = (
        await session.scalars(
            select(CallbackTask).where(_expired(now)).with_for_update(skip_locked=True)
        )
    ).all()
    for task in tasks:
        task.state, task.closed_at, task.due_at = State.failed, now, None
        task.outcome = task.outcome or "expired"
        add_event(session, task.id, "expired", state=task.state, at=now)
    return [t.id for t in tasks]


async def cancel_caller_reached(*, session: AsyncSession, now: datetime) -> list[int]:
    """Open, not-dialling tasks whose caller got through to an agent since the drop."""
    tasks = (
        await session.scalars(
            select(CallbackTask).where(_caller_reached()).with_for_update(skip_locked=True)
        )
    ).all()
    for task in tasks:
        task.state, task.outcome = State.cancelled, "cancelled_caller_reached"
        task.closed_at, task.due_at = now, None
        add_event(session, task.id, "cancelled_caller_reached", state=task.state, at=now)
    return [t.id for t in tasks]


async def _waiting(session: AsyncSession, task_id: int, verb: str) -> CallbackTask:
    """The task, locked, if it waits to be dialled (pending or retry_wait); else 404 or 409."""
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None:
        raise NotFound(f"callback {task_id} does not exist / ไม่พบงานโทรกลับ", task_id=task_id)
    if task.state not in DUE_STATES:
        raise Conflict(
            f"callback {task_id} is {task.state}; only pending or retry_wait can be {verb}",
            task_id=task_id,
            state=task.state,
        )
    return task


async def cancel(*, session: AsyncSession, task_id: int, reason: str, by: str) -> CallbackTask:
    """A supervisor's cancel (open, not-dialling tasks only)."""
    task = await _waiting(session, task_id, "cancelled / ยกเลิกได้เฉพาะงานที่รอโทร")
    now = utcnow()
    task.state, task.outcome, task.cancel_reason = State.cancelled, "cancelled", reason
    task.closed_at, task.due_at = now, None
    add_event(session, task.id, "cancelled", state=task.state, detail=f"{by}: {reason}", at=now)
    return task


async def assign(
    *, session: AsyncSession, task_id: int, agent: str | None, reason: str, by: str
) -> CallbackTask:
    """A supervisor gives a waiting task to one agent (None: back to any agent of its queue)."""
    task = await _waiting(session, task_id, "assigned / มอบหมายได้เฉพาะงานที่รอโทร")
    task.assigned_to = agent
    detail = f"{by}: {agent or 'any agent of the queue'}: {reason}"
    add_event(session, task.id, "assigned", state=task.state, detail=detail, at=utcnow())
    return task


async def recover_interrupted(*, session: AsyncSession, policy: Policy) -> int:
    """Tasks left `dialing` by a stopped service: scheduled again (their call state is unknown)."""
    tasks = (
        await session.scalars(select(CallbackTask).where(CallbackTask.state == State.dialing))
    ).all()
    for task in tasks:
        await close_or_retry(session=session, task_id=task.id, outcome="interrupted", policy=policy)
    return len(tasks)


async def open_numbers(*, session: AsyncSession) -> Sequence[str]:
    """The numbers of every open task (owed a callback now)."""
    stmt = select(CallbackTask.number).where(CallbackTask.state.in_(OPEN_STATES))
    return (await session.scalars(stmt)).all()


async def open_for_number(*, session: AsyncSession, number: str) -> CallbackTask | None:
    """The callback this number is still owed, if any (one open task per number)."""
    found: CallbackTask | None = await session.scalar(
        select(CallbackTask)
        .where(CallbackTask.number == number, CallbackTask.state.in_(OPEN_STATES))
        .limit(1)
    )
    return found


async def due_tasks(*, session: AsyncSession) -> Sequence[CallbackTask]:
    """Open tasks waiting for a dial (for (re)scheduling at start-up)."""
    query = select(CallbackTask).where(CallbackTask.state.in_(DUE_STATES))
    return (await session.scalars(query.order_by(CallbackTask.due_at))).all()


async def listing(
    *, session: AsyncSession, status: str | None, limit: int, task_id: int | None = None
) -> list[tuple[CallbackTask, list[CallbackEvent]]]:
    """Tasks (newest drop first) with their events."""
    query = select(CallbackTask).order_by(CallbackTask.dropped_at.desc(), CallbackTask.id.desc())
    if status is not None:
        query = query.where(CallbackTask.state == status)
    if task_id is not None:
        query = query.where(CallbackTask.id == task_id)
    tasks = (await session.scalars(query.limit(limit))).all()
    events = (
        await session.scalars(
            select(CallbackEvent)
            .where(CallbackEvent.task_id.in_([t.id for t in tasks]))
            .order_by(CallbackEvent.at, CallbackEvent.id)
        )
    ).all()
    by_task: dict[int, list[CallbackEvent]] = {}
    for event in events:
        by_task.setdefault(event.task_id, []).append(event)
    return [(t, by_task.get(t.id, [])) for t in tasks]


# (open tasks, oldest drop, nearest deadline, dialling now, reached and not reached in 24 h)
Summary = tuple[int, datetime | None, datetime | None, int, int, int]
NOT_REACHED = (State.retry_wait, State.failed)  # an attempt rang out, was busy or failed
DAY = timedelta(hours=24)
_SINCE = bindparam("summary_since", type_=DateTime(timezone=True))
_IS_OPEN = CallbackTask.state.in_(OPEN_STATES)
_RECENT = CallbackTask.dropped_at >= _SINCE
# Built once (the callbacks detector asks it every second, inside its probe).
SUMMARY = select(
    func.count().filter(_IS_OPEN),
    func.min(CallbackTask.dropped_at).filter(_IS_OPEN),
    func.min(CallbackTask.deadline_at).filter(_IS_OPEN),
    func.count().filter(CallbackTask.state == State.dialing),
    func.count().filter(_RECENT, CallbackTask.state == State.reached),
    func.count().filter(_RECENT, CallbackTask.state.in_(NOT_REACHED)),
).where(or_(_IS_OPEN, _RECENT))


def summary_params(now: datetime) -> dict[str, datetime]:
    return {"summary_since": now - DAY}


def as_summary(row: Sequence[Any]) -> Summary:
    """SUMMARY's six columns as the wallboard's figures."""
    return int(row[0]), row[1], row[2], int(row[3]), int(row[4]), int(row[5])


async def open_summary(*, session: AsyncSession, now: datetime | None = None) -> Summary:
    """The wallboard's callback figures, in one statement."""
    params = summary_params(now or datetime.now(UTC))
    return as_summary((await session.execute(SUMMARY, params)).one())
