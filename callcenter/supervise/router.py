"""`/api/v1/supervise`: listen / whisper / barge on an agent's live call, and its audit trail."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query

from callcenter.db import transaction
from callcenter.desk.schemas import PAUSE_REASONS
from callcenter.desk.service import interface
from callcenter.errors import CHANGES, SIGNED_IN, NotFound, errors
from callcenter.services import LayoutDep, ServicesDep, SessionsDep
from callcenter.supervise import service
from callcenter.supervise.models import AgentAction, SpyAction
from callcenter.supervise.schemas import AgentActionIn, AgentActionOut, AgentNow, SpyIn, SpyOut
from callcenter.users.deps import SupervisorUser as Supervisor

router = APIRouter(
    prefix="/api/v1/supervise", tags=["supervise"], responses=errors(*SIGNED_IN, *CHANGES)
)


@router.post("", response_model=SpyOut, status_code=201)
async def spy(body: SpyIn, user: Supervisor, parts: ServicesDep) -> SpyAction:
    """Ring the supervisor's phone and join the agent's call in the given mode (audited)."""
    state = parts.metrics.agents.centre_state(interface(body.agent_id), time.time())[0]
    async with transaction(parts.sessions) as session:
        row = await service.spy(
            session=session, ami=parts.ami, spy_in=body, user=user, agent_state=state
        )
    if row.outcome != "queued":
        raise service.SpyFailed(f"Asterisk did not start the call: {row.detail}", audit_id=row.id)
    return row


@router.get("/agents", response_model=list[AgentNow])
async def agents(_: Supervisor, parts: ServicesDep) -> list[AgentNow]:
    """Centre agents the live engine knows, with their state now: whom live help can join."""
    agent_states, now = parts.metrics.agents, time.time()
    rows = []
    for iface in sorted(agent_states.seen()):
        name = agent_states.member_name(iface)
        if iface == interface(name):  # softphone agents (PJSIP/agentNN), not simulated ones
            state, reason = agent_states.centre_state(iface, now)
            rows.append(AgentNow(agent_id=name, state=state, reason=reason))
    return rows


@router.get("/audit", response_model=list[SpyOut])
async def audit(
    _: Supervisor,
    sessions: SessionsDep,
    agent_id: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Sequence[SpyAction]:
    """Who listened to, whispered to or barged into which agent's call, and when."""
    async with sessions() as session:
        return await service.audit(session=session, agent_id=agent_id, limit=limit)


@router.post(
    "/agent-actions", response_model=AgentActionOut, status_code=201, responses=errors(502)
)
async def agent_action(
    body: AgentActionIn, user: Supervisor, parts: ServicesDep, layout: LayoutDep
) -> AgentAction:
    """Pause (with a reason), unpause, log out, change a queue penalty, or add or take away a
    queue (a skill) of a logged-in agent, from the wallboard's grid (audited, refused ones
    too)."""
    states = parts.metrics.agents
    if body.interface not in states.seen():
        raise NotFound(
            f"No agent {body.interface!r} is known to the live engine.",
            hint_th="ไม่พบเจ้าหน้าที่นี้", interface=body.interface,
        )  # fmt: skip
    state = states.centre_state(body.interface, time.time())[0]
    async with transaction(parts.sessions) as session:
        row = await service.act_on_agent(
            session=session, ami=parts.ami, body=body, user=user,
            agent=states.member_name(body.interface), agent_state=state,
            queues=states.queues_of(body.interface), reasons=PAUSE_REASONS,
            centre_queues=layout.queue_names,
        )  # fmt: skip
    if row.outcome != "done":
        raise service.AgentActionFailed(f"Asterisk refused it: {row.error}", audit_id=row.id)
    return row


@router.get("/agent-actions", response_model=list[AgentActionOut])
async def agent_actions(
    _: Supervisor, sessions: SessionsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> Sequence[AgentAction]:
    """Who paused, unpaused, logged out or re-ranked which agent, and when."""
    async with sessions() as session:
        return await service.agent_audit(session=session, limit=limit)
