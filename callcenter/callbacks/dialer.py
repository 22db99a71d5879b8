"""Agent-first dialer: a due task waits for a free agent of its queue, rings that agent
(AMI Originate into `[callback-agent]`), and the dialplan dials the caller and bridges.

Never more callbacks in flight than agents free in the queue: each attempt holds one
free agent (per the live engine) until its call ends. Steps come back as UserEvents
(CallbackDialing / CallbackAnswered / CallbackResult) on the dialer's own AMI login.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.ami.client import AmiClient
from callcenter.background import cancel_and_wait, wait_event
from callcenter.callbacks import rules
from callcenter.callbacks import service as cb_service
from callcenter.callbacks.models import DUE_STATES, CallbackTask
from callcenter.callbacks.popup import screen_pop
from callcenter.callbacks.scheduler import DueScheduler
from callcenter.db import transaction
from callcenter.desk.screenpop import topic
from queue_metrics.engine import MetricsEngine

log = logging.getLogger(__name__)

RESULT_WAIT_S = 4 * 3600.0  # a callback conversation may be long; the agent stays held meanwhile
AGENT_COOLDOWN_S = 30.0  # an agent who let a callback ring out is not rung again at once
Publish = Callable[[str, dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class DialConfig:
    out_context: str  # dialplan context that reaches the caller (a trunk; tests: sim-customers)
    agent_ring_s: int
    customer_ring_s: int
    tz: str
    labels: dict[str, tuple[str, str]]
    member_pattern: str = ""  # only members whose name matches take callbacks ("" = all)


def free_agents(
    metrics: MetricsEngine, queue: str, now: float, *, pattern: str = ""
) -> list[tuple[str, str]]:
    """(interface, member name) of the queue's agents that are available now."""
    agents = metrics.agents
    found = [
        (i, agents.member_name(i))
        for i in sorted(agents.members.get(queue, {}))
        if agents.state(queue, i, now)[0] == "available"
    ]
    return [a for a in found if re.fullmatch(pattern, a[1])] if pattern else found


class Dialer:
    """Due task ids in, calls out; DB transitions guard every step."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        ami: AmiClient,
        metrics: MetricsEngine,
        publish: Publish,
        policy: cb_service.Policy,
        config: DialConfig,
        scheduler_url: str,
        key: str,
    ) -> None:
        self._sessions, self._ami, self._metrics = sessions, ami, metrics
        self._publish, self.policy, self._config = publish, policy, config
        self.scheduler = DueScheduler(url=scheduler_url, key=key, on_due=self.wake)
        self._due: set[int] = set()
        self._busy_agents: set[str] = set()
        self._cooldown: dict[str, float] = {}
        self._results: dict[tuple[int, int], asyncio.Future[str]] = {}
        self._kick = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._attempts: set[asyncio.Task[None]] = set()
        self.max_in_flight = 0  # most attempts at once (the tests' and benchmark's check)
        # Due tasks not dialled at the last dispatch, and why (the queue's agents then): what a
        # supervisor (and a failing test) asks when a callback waits.
        self.waiting: dict[int, str] = {}

    # -- life -----------------------------------------------------------------

    async def start(self) -> None:
        await self._ami.start()
        async with transaction(self._sessions) as session:
            await cb_service.recover_interrupted(session=session, policy=self.policy)
            due = [(t.id, t.due_at) for t in await cb_service.due_tasks(session=session)]
        await self.scheduler.start()
        for task_id, when in due:  # the job store may have lost a job mid-flight: add them all
            await self.scheduler.at(task_id, when or datetime.now(UTC))
        self._tasks = [
            asyncio.create_task(self._loop(), name="callback-dialer"),
            asyncio.create_task(self._events(), name="callback-events"),
        ]

    async def stop(self) -> None:
        await self.scheduler.stop()
        await asyncio.gather(*(cancel_and_wait(t) for t in [*self._tasks, *self._attempts]))
        self._tasks.clear()
        await self._ami.stop()

    def wake(self, task_id: int) -> None:
        """A task is due (its APScheduler job fired, or it was just created)."""
        self._due.add(task_id)
        self._kick.set()

    # -- dispatch ---------------------------------------------------------------

    async def _loop(self) -> None:
        while True:
            await wait_event(self._kick, 1.0)
            self._kick.clear()
            try:
                await self._dispatch()
            except Exception:
                log.exception("callback dispatch failed")

    async def _dispatch(self) -> None:
        if not self._due or not self._ami.connected:
            return
        asked = set(self._due)
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(CallbackTask.id, CallbackTask.queue, CallbackTask.assigned_to)
                    .where(CallbackTask.id.in_(asked), CallbackTask.state.in_(DUE_STATES))
                    .order_by(CallbackTask.due_at, CallbackTask.id)
                )
            ).all()
        self._due -= asked - {r.id for r in rows}  # closed meanwhile (ids woken since stay)
        self.waiting = {}
        now, mono = time.time(), time.monotonic()
        free: dict[str, list[tuple[str, str]]] = {}
        for task_id, queue, assigned in rows:
            if queue not in free:
                free[queue] = [
                    a
                    for a in free_agents(
                        self._metrics, queue, now, pattern=self._config.member_pattern
                    )
                    if self._cooldown.get(a[0], 0) < mono
                ]
            if assigned is not None:  # a supervisor gave it to this agent: only they dial it
                found = self._assigned_agent(assigned, now, mono)
                if isinstance(found, str):
                    self.waiting[task_id] = found
                    continue
                interface, member = found
            else:
                pick = next((a for a in free[queue] if a[0] not in self._busy_agents), None)
                if pick is None:
                    self.waiting[task_id] = self._why_no_agent(queue, now, mono)
                    continue
                interface, member = pick
            async with transaction(self._sessions) as session:
                task = await cb_service.claim(session=session, task_id=task_id, agent=member)
            self._due.discard(task_id)
            if task is None:
                continue
            self._busy_agents.add(interface)
            attempt = asyncio.create_task(self._attempt(task, interface, member))
            self._attempts.add(attempt)
            attempt.add_done_callback(self._attempts.discard)
            self.max_in_flight = max(self.max_in_flight, len(self._attempts))

    def _assigned_agent(self, member: str, now: float, mono: float) -> tuple[str, str] | str:
        """(interface, member) of the agent a task was given to, when free; else why not."""
        agents = self._metrics.agents
        mine = [i for i in sorted(agents.seen()) if agents.member_name(i) == member]
        if not mine:
            return f"assigned to {member}: not logged in"
        for interface in mine:
            state = agents.centre_state(interface, now)[0]
            if interface in self._busy_agents:
                why = "on another callback"
            elif self._cooldown.get(interface, 0) >= mono:
                why = "let a callback ring out just now"
            elif state != "available":
                why = state
            else:
                return interface, member
        return f"assigned to {member}: {why}"

    def _why_no_agent(self, queue: str, now: float, mono: float) -> str:
        """Each agent of the queue that may take callbacks, and what keeps it."""
        agents = self._metrics.agents
        pattern = self._config.member_pattern
        why = []
        for interface in sorted(agents.members.get(queue, {})):
            member = agents.member_name(interface)
            if pattern and not re.fullmatch(pattern, member):
                continue
            state = "/".join(s for s in agents.state(queue, interface, now) if s)
            if interface in self._busy_agents:
                state += ", holding a callback"
            if self._cooldown.get(interface, 0) >= mono:
                state += f", cooling down {self._cooldown[interface] - mono:.0f} s"
            why.append(f"{member}: {state}")
        return "; ".join(why) or f"no agent of {queue} takes callbacks"

    # -- one attempt ------------------------------------------------------------

    async def _attempt(self, task: CallbackTask, interface: str, member: str) -> None:
        key = (task.id, task.attempts)
        self._results[key] = asyncio.get_running_loop().create_future()
        try:
            self._publish(topic(member), screen_pop(task, self._config))
            if await self._ring_agent(task, interface):
                async with asyncio.timeout(RESULT_WAIT_S):
                    status = await self._results[key]
                await self._finish(task, status)
            else:
                self._cooldown[interface] = time.monotonic() + AGENT_COOLDOWN_S
                async with transaction(self._sessions) as session:
                    await cb_service.release(session=session, task_id=task.id, detail=member)
                self._due.add(task.id)
        except Exception as exc:
            log.warning("callback %s attempt %s: %r", task.id, task.attempts, exc)
            await self._finish(task, "LOST")
        finally:
            self._results.pop(key, None)
            self._busy_agents.discard(interface)
            self._kick.set()

    async def _ring_agent(self, task: CallbackTask, interface: str) -> bool:
        """Originate to the agent; True once the agent answered (the dialplan goes on)."""
        cfg = self._config
        variables = [
            f"CB_TASK={task.id}",
            f"CB_ATTEMPT={task.attempts}",
            f"CB_NUMBER={task.number}",
            f"CB_QUEUE={task.queue}",
            f"CB_OUT={cfg.out_context}",
            f"CB_RING={cfg.customer_ring_s}",
        ]
        response = await self._ami.action(
            {
                "Action": "Originate",
                "Channel": interface,
                "Context": "callback-agent",
                "Exten": "s",
                "Priority": "1",
                "Timeout": str(cfg.agent_ring_s * 1000),
                "CallerID": f'"Callback {task.number}" <{task.number}>',
                "Async": "true",
                "ChannelId": f"cb-{task.id}-{task.attempts}-{uuid.uuid4().hex[:8]}",
                "Variable": variables,
            },
            as_list=True,
        )
        last = response[-1] if isinstance(response, list) and response else response
        return bool(last.get("Response") == "Success" and last.get("Reason", "4") == "4")

    async def _finish(self, task: CallbackTask, status: str) -> None:
        outcome = rules.DIAL_OUTCOMES.get(status, "lost")
        async with transaction(self._sessions) as session:
            if outcome == "reached":  # normally already marked at the answer (CallbackAnswered)
                await cb_service.mark_reached(
                    session=session, task_id=task.id, attempt=task.attempts, at=datetime.now(UTC)
                )
                return
            after = await cb_service.close_or_retry(
                session=session,
                task_id=task.id,
                outcome=outcome,
                policy=self.policy,
                detail=status,
            )
        if after is not None and after.due_at is not None:
            await self.scheduler.at(after.id, after.due_at)

    # -- what the dialplan reports ---------------------------------------------

    async def _events(self) -> None:
        while True:
            event = await self._ami.events.get()
            try:
                await self._on_event(event)
            except Exception:
                log.exception("callback event failed: %s", event.get("UserEvent"))

    async def _on_event(self, event: dict[str, str]) -> None:
        name = event.get("UserEvent", "")
        if not name.startswith("Callback"):
            return
        try:
            key = (int(event["Task"]), int(event["Attempt"]))
        except (KeyError, ValueError):
            return
        at = datetime.fromtimestamp(float(event.get("Timestamp") or time.time()), tz=UTC)
        if name == "CallbackResult":
            future = self._results.get(key)
            if future is not None and not future.done():
                future.set_result(event.get("Status", ""))
            return
        async with transaction(self._sessions) as session:
            if name == "CallbackDialing":
                await cb_service.mark_dialled(
                    session=session, task_id=key[0], attempt=key[1], at=at
                )
            elif name == "CallbackAnswered":
                await cb_service.mark_reached(
                    session=session, task_id=key[0], attempt=key[1], at=at
                )
