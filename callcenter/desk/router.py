"""`/api/v1/desk/…`: the agent desk's own softphone login, queue state and transfer targets.

Every endpoint acts on the signed-in user's own agent (User.agent_id): there is
no agent id in any path or body, so an agent cannot act on another agent.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from callcenter.centre import AgentDef, Centre
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.desk import calls, dispositions, service
from callcenter.desk.schemas import (
    PAUSE_REASONS,
    DeskState,
    DialIn,
    DialOut,
    Directory,
    DispositionCode,
    DispositionIn,
    DispositionOut,
    LoginIn,
    PauseIn,
    PauseReason,
    RecentCall,
    SipConfig,
    Target,
)
from callcenter.errors import CHANGES, SIGNED_IN, AppError, errors
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


class DispositionsUnavailable(AppError):
    status, error_id = 503, "dispositions_unavailable"


def _codes(settings: Settings) -> list[dispositions.Disposition]:
    try:
        return dispositions.load(settings.conf_dir)
    except dispositions.BadDispositions as exc:
        raise DispositionsUnavailable(f"The disposition list is broken: {exc}") from None


@router.get("/dispositions", response_model=list[DispositionCode], responses=errors(503))
async def disposition_codes(_: AgentUser, settings: SettingsDep) -> Any:
    """Wrap-up codes (asterisk_conf/dispositions.toml), in the file's order."""
    return [DispositionCode(code=c.code, label_th=c.label_th, label_en=c.label_en)
            for c in _codes(settings)]  # fmt: skip


@router.post(
    "/dispositions",
    response_model=DispositionOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(502, 503),
)
async def dispose(
    body: DispositionIn, user: AgentUser, parts: ServicesDep, settings: SettingsDep
) -> Any:
    """Give one of the agent's calls its wrap-up code (stored against the call, append-only:
    a second code for the same call corrects the first), and end the agent's wrap-up: calls
    are offered again."""
    agent = _agent(parts.layout, user)
    code = calls.code_of(_codes(settings), body.code)
    live = parts.screen_pops.snapshot(agent.id)["calls"]
    async with transaction(parts.sessions) as session:
        queue = await calls.check_call(
            session=session, agent=agent, call_id=body.call_id, live=live
        )
        row = calls.record(
            session=session, agent=agent, user=user, call_id=body.call_id, queue=queue,
            code=code.code, note=body.note, now=datetime.now(UTC),
        )  # fmt: skip
        await session.flush()
        row_id, at = row.id, row.at
    ended = await service.end_wrapup(
        ami=parts.ami, metrics=parts.metrics, layout=parts.layout, agent=agent, now=time.time()
    )
    return DispositionOut(
        id=row_id, call_id=body.call_id, code=code.code, label_th=code.label_th,
        label_en=code.label_en, at=at, wrapup_ended=ended, state=_state(parts, agent),
    )  # fmt: skip


@router.post(
    "/dial",
    response_model=DialOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(502, 503),
)
async def dial(body: DialIn, user: AgentUser, parts: ServicesDep, settings: SettingsDep) -> Any:
    """The dial pad: ring the agent's own phone, then call the number through the configured
    outbound route (422 invalid_number; 409 outbound_not_configured)."""
    agent = _agent(parts.layout, user)
    number = service.dial_number(settings, body.number)
    call_id = await service.dial(ami=parts.ami, settings=settings, agent=agent, number=number)
    calls.remember_dial(agent.id, call_id, number, time.time())
    return DialOut(call_id=call_id, number=number)


@router.get("/calls", response_model=list[RecentCall])
async def recent_calls(user: AgentUser, parts: ServicesDep) -> Any:
    """The agent's recent calls, newest first, each with its disposition code if given."""
    agent = _agent(parts.layout, user)
    live = parts.screen_pops.snapshot(agent.id)["calls"]
    async with parts.sessions() as session:
        return await calls.recent(session=session, layout=parts.layout, agent=agent, live=live)


def _state(parts: Services, agent: AgentDef) -> DeskState:
    return service.state(metrics=parts.metrics, layout=parts.layout, agent=agent, now=time.time())
