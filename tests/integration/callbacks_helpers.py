"""Shared pieces of the callback integration tests: own app, own agents, own numbers."""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from callcenter.ami.client import AmiActionFailed, AmiClient
from callcenter.callbacks.models import CallbackEvent, CallbackTask
from callcenter.calls import service as calls_service
from callcenter.config import Settings
from callcenter.main import create_app
from callcenter.simulate.agents import interface
from callcenter.simulate.spec import patience_ticks
from queue_metrics.records import CallRecord, Outcome

QUEUE = "illegal-websites"  # the queue these tests drop calls in and ring agents of
OTHER_QUEUE = "online-shopping"
PREFIX = "0869"  # our callers' numbers: nobody else's drops are dialled (callback_number_pattern)
MY_AGENTS = range(61, 70)  # sim-agent-61.. (Local/7061@agents/n ...): clear of other tests' 1..N

FAST = {
    "callback_out_context": "sim-customers",
    "callback_window_s": 60.0,
    "callback_retry_offsets_s": "0,2,4",
    "callback_number_pattern": PREFIX + r"\d{6}",
    "callback_agent_ring_s": 10,
    "callback_customer_ring_s": 3,
    "callback_poll_s": 0.3,
    "short_abandon_s": 1,
    "callback_member_pattern": r"cb-agent-\d+",
}


def number(last: str = "0") -> str:
    """One of our callers: last digit 7 never answers, 8 busy, 9 invalid, other answers."""
    return f"{PREFIX}{random.randrange(10**5):05d}{last}"


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.services.ami.wait_connected(15)
        if app.state.services.callbacks.dialer is not None:
            await app.state.services.callbacks.dialer._ami.wait_connected(15)
        yield app


class MyAgents:
    """Simulated agents named cb-agent-N: other tests' `logout_all()` (sim-agent-*) spares them,
    and the dialer under test rings only them (callback_member_pattern)."""

    def __init__(self, ami: AmiClient, queue: str) -> None:
        self._ami, self._queue = ami, queue

    async def login(self, n: int) -> None:
        await self._do("QueueAdd", Interface=interface(n), MemberName=f"cb-agent-{n}")

    async def pause(self, n: int, *, reason: str = "break") -> None:
        await self._do("QueuePause", Interface=interface(n), Paused="true", Reason=reason)

    async def unpause(self, n: int) -> None:
        await self._do("QueuePause", Interface=interface(n), Paused="false")

    async def logout(self, n: int) -> None:
        with contextlib.suppress(AmiActionFailed):  # not there (any more)
            await self._do("QueueRemove", Interface=interface(n))

    async def _do(self, name: str, **headers: str) -> None:
        await self._ami.action({"Action": name, "Queue": self._queue, **headers})


async def my_agents(sim_ami: AmiClient, queue: str = QUEUE) -> MyAgents:
    """Our simulated agents logged out of `queue` (a clean start)."""
    agents = MyAgents(sim_ami, queue)
    for n in MY_AGENTS:
        await agents.logout(n)
    return agents


async def drop(app: FastAPI, caller: str, *, outcome: Outcome = Outcome.timeout) -> None:
    """A finished unanswered queue call as the live pipeline stores it."""
    now = time.time()
    call_id = f"cbtest-{uuid.uuid4().hex[:10]}"
    record = CallRecord(
        call_id=call_id, linkedid=call_id, queue=QUEUE, entered_at=now - 10, caller=caller,
        outcome=outcome, wait_s=10, ended_at=now,
    )  # fmt: skip
    async with app.state.services.sessions() as session, session.begin():
        await calls_service.upsert(session=session, records=[record], source="ami")


async def place_call(
    sim_ami: AmiClient, *, caller: str, queue: str, patience_s: float, talk_s: int = 3
) -> str:
    """A real caller through Asterisk (Local/<queue>@callers), hanging up after `patience_s`.

    Returns the Uniqueid of the channel that waits in the queue (the queue call's id).
    """
    call_id = f"cbcall-{uuid.uuid4().hex[:10]}"
    await sim_ami.action(
        {
            "Action": "Originate", "Channel": f"Local/{queue}@callers", "Context": "callerphone",
            "Exten": "s", "Priority": "1", "CallerID": f'"{caller}" <{caller}>',
            "Timeout": "30000", "Async": "true",
            "ChannelId": call_id, "OtherChannelId": f"{call_id}-net",
            "Variable": [f"__SIM_CALLER={caller}", f"SIM_TICKS={patience_ticks(patience_s)}",
                         "__RING=1", f"__TALK={talk_s}"],
        },
        as_list=True,
    )  # fmt: skip
    return f"{call_id}-net"


async def task_of(app: FastAPI, caller: str) -> CallbackTask | None:
    async with app.state.services.sessions() as session:
        return await session.scalar(
            select(CallbackTask).where(CallbackTask.number == caller).order_by(CallbackTask.id)
        )


async def events_of(app: FastAPI, task_id: int) -> list[CallbackEvent]:
    async with app.state.services.sessions() as session:
        rows = await session.scalars(
            select(CallbackEvent)
            .where(CallbackEvent.task_id == task_id)
            .order_by(CallbackEvent.at, CallbackEvent.id)
        )
        return list(rows)


def period(minutes: int = 10) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "from": (now - timedelta(minutes=minutes)).isoformat(),
        "to": (now + timedelta(minutes=1)).isoformat(),
    }
