"""`/api/v1/desk/…`: the agent desk's own softphone login, queue state and transfer targets.

Every endpoint acts on the signed-in user's own agent (User.agent_id): there is
no agent id in any path or body, so an agent cannot act on another agent.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends

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
from callcenter.errors import CHANGES, SIGNED_IN, errors
from callcenter.services import Services, ServicesDep, SettingsDep
from callcenter.users import service as user_service
from callcenter.users.deps import require_roles
from callcenter.users.models import Role, User

router = APIRouter(prefix="/api/v1/desk", tags=["desk"], responses=errors(*SIGNED_IN, *CHANGES))

AgentUser = Annotated[User, Depends(require_roles(Role.agent))]


def _agent(layout: Centre, user: User) -> AgentDef:
    return service.agent_of(layout, user.agent_id)


@router.get("/sip", response_model=SipConfig)
async def sip(user: AgentUser, parts: ServicesDep, settings: SettingsDep) -> SipConfig:
    """The signed-in agent's own SIP-over-WebSocket login for the page's softphone."""
    return service.sip_config(settings=settings, agent=_agent(parts.layout, user))


@router.get("/state", response_model=DeskState)
async def state(user: AgentUser, parts: ServicesDep) -> DeskState:
    """The agent's live state in each skilled queue, as the wallboard sees it."""
    return _state(parts, _agent(parts.layout, user))


@router.post("/login", response_model=DeskState)
async def login(user: AgentUser, parts: ServicesDep, body: LoginIn | None = None) -> DeskState:
    """Join the agent's skilled queues (or a subset) with the skills' penalties."""
    agent = _agent(parts.layout, user)
    queues = service.chosen_queues(agent, body.queues if body else None)
    await service.login(ami=parts.ami, agent=agent, queues=queues)
    return _state(parts, agent)


@router.post("/pause", response_model=DeskState)
async def pause(user: AgentUser, parts: ServicesDep, body: PauseIn) -> DeskState:
    """Pause in every queue with a reason code."""
    agent = _agent(parts.layout, user)
    await service.pause(ami=parts.ami, agent=agent, reason=body.reason)
    return _state(parts, agent)


@router.post("/ready", response_model=DeskState)
async def ready(user: AgentUser, parts: ServicesDep) -> DeskState:
    """Unpause: calls are offered again."""
    agent = _agent(parts.layout, user)
    await service.ready(ami=parts.ami, agent=agent)
    return _state(parts, agent)


@router.post("/logout", response_model=DeskState)
async def logout(user: AgentUser, parts: ServicesDep) -> DeskState:
    """Leave every queue."""
    agent = _agent(parts.layout, user)
    await service.logout(ami=parts.ami, agent=agent)
    return _state(parts, agent)


@router.get("/pause-reasons", response_model=list[PauseReason])
async def pause_reasons(_: AgentUser) -> list[PauseReason]:
    return [PauseReason(code=c, label_th=th, label_en=en) for c, (th, en) in PAUSE_REASONS.items()]


@router.get("/directory", response_model=Directory)
async def directory(user: AgentUser, parts: ServicesDep) -> Directory:
    """Transfer targets: queues, other agents, supervisors who have a phone."""
    layout = parts.layout
    targets = [Target(kind="queue", dial=q.name, label_th=q.label_th, label_en=q.label_en)
               for q in layout.queues]  # fmt: skip
    async with parts.sessions() as session:
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


def _state(parts: Services, agent: AgentDef) -> DeskState:
    return service.state(metrics=parts.metrics, layout=parts.layout, agent=agent, now=time.time())
