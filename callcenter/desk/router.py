"""`/api/v1/desk/…`: the agent desk's own softphone login, queue state and transfer targets.

Every endpoint acts on the signed-in user's own agent (User.agent_id): there is
no agent id in any path or body, so an agent cannot act on another agent.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from callcenter.centre import AgentDef, Centre
from callcenter.desk import service
from callcenter.desk.schemas import (
    PAUSE_REASONS,
    DeskState,
    Directory,
    LoginIn,
    PauseIn,
    PauseReason,
    SipConfig,
    Target,
)
from callcenter.users import service as user_service
from callcenter.users.deps import require_roles
from callcenter.users.models import Role, User

router = APIRouter(prefix="/api/v1/desk", tags=["desk"])

AgentUser = Annotated[User, Depends(require_roles(Role.agent))]


def _layout(request: Request) -> Centre:
    layout: Centre = request.app.state.layout
    return layout


def _agent(request: Request, user: User) -> AgentDef:
    return service.agent_of(_layout(request), user.agent_id)


@router.get("/sip", response_model=SipConfig)
async def sip(request: Request, user: AgentUser) -> SipConfig:
    """The signed-in agent's own SIP-over-WebSocket login for the page's softphone."""
    return service.sip_config(settings=request.app.state.settings, agent=_agent(request, user))


@router.get("/state", response_model=DeskState)
async def state(request: Request, user: AgentUser) -> DeskState:
    """The agent's live state in each skilled queue, as the wallboard sees it."""
    return _state(request, _agent(request, user))


@router.post("/login", response_model=DeskState)
async def login(request: Request, user: AgentUser, body: LoginIn | None = None) -> DeskState:
    """Join the agent's skilled queues (or a subset) with the skills' penalties."""
    agent = _agent(request, user)
    queues = service.chosen_queues(agent, body.queues if body else None)
    await service.login(ami=request.app.state.ami, agent=agent, queues=queues)
    return _state(request, agent)


@router.post("/pause", response_model=DeskState)
async def pause(request: Request, user: AgentUser, body: PauseIn) -> DeskState:
    """Pause in every queue with a reason code."""
    agent = _agent(request, user)
    await service.pause(ami=request.app.state.ami, agent=agent, reason=body.reason)
    return _state(request, agent)


@router.post("/ready", response_model=DeskState)
async def ready(request: Request, user: AgentUser) -> DeskState:
    """Unpause: calls are offered again."""
    agent = _agent(request, user)
    await service.ready(ami=request.app.state.ami, agent=agent)
    return _state(request, agent)


@router.post("/logout", response_model=DeskState)
async def logout(request: Request, user: AgentUser) -> DeskState:
    """Leave every queue."""
    agent = _agent(request, user)
    await service.logout(ami=request.app.state.ami, agent=agent)
    return _state(request, agent)


@router.get("/pause-reasons", response_model=list[PauseReason])
async def pause_reasons(_: AgentUser) -> list[PauseReason]:
    return [PauseReason(code=c, label_th=th, label_en=en) for c, (th, en) in PAUSE_REASONS.items()]


@router.get("/directory", response_model=Directory)
async def directory(request: Request, user: AgentUser) -> Directory:
    """Transfer targets: queues, other agents, supervisors who have a phone."""
    layout = _layout(request)
    targets = [Target(kind="queue", dial=q.name, label_th=q.label_th, label_en=q.label_en)
               for q in layout.queues]  # fmt: skip
    async with request.app.state.sessions() as session:
        users = await user_service.get_all(session=session)
    for u in users:
        if u.active and u.agent_id and u.role in (Role.supervisor, Role.admin):
            label = f"{u.display_name or u.username} ({u.agent_id})"
            targets.append(
                Target(kind="supervisor", dial=u.agent_id, label_th=label, label_en=label)
            )
    targets += [Target(kind="agent", dial=a.id, label_th=a.name, label_en=a.name)
                for a in layout.agents if a.id != user.agent_id]  # fmt: skip
    return Directory(targets=targets)


def _state(request: Request, agent: AgentDef) -> DeskState:
    engine = request.app.state.metrics
    return service.state(engine=engine, layout=_layout(request), agent=agent, now=time.time())
