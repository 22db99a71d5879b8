"""Supervisor live help through ChanSpy: the supervisor's phone is called and joins the call.

Every request is written to `supervisor_actions` (who, when, which agent, mode),
also when Asterisk refuses it; the row is committed before the result is returned.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.ami.client import AmiActionFailed, AmiClient
from callcenter.errors import AppError, InvalidInput
from callcenter.supervise.models import AgentAction, SpyAction
from callcenter.supervise.schemas import CHANSPY_OPTIONS, AgentActionIn, AgentActionKind, SpyIn
from callcenter.users.models import User

RING_TIMEOUT_MS = 30_000


class SpyFailed(AppError):
    status, error_id = 502, "spy_failed"


def phone_of(*, spy_in: SpyIn, user: User) -> str:
    """The endpoint to ring: the request's phone, else the supervisor's own agent phone."""
    phone = spy_in.phone or user.agent_id
    if not phone:
        raise InvalidInput(
            "Give a phone (your PJSIP endpoint): this login has no agent phone.",
            hint_th="โปรดระบุหมายเลขโทรศัพท์ของหัวหน้างาน",
        )
    if phone == spy_in.agent_id:
        raise InvalidInput("An agent cannot be spied on from their own phone.")
    return phone


def originate_action(*, spy_in: SpyIn, phone: str) -> dict[str, str]:
    """Ring the supervisor's phone; on answer ChanSpy joins the agent's channel."""
    return {
        "Action": "Originate",
        "Channel": f"PJSIP/{phone}",
        "Application": "ChanSpy",
        # The trailing '-' keeps agent01 from matching agent010's channels.
        "Data": f"PJSIP/{spy_in.agent_id}-,{CHANSPY_OPTIONS[spy_in.mode]}",
        "CallerID": f'"{spy_in.mode.value} {spy_in.agent_id}" <{spy_in.agent_id}>',
        "Timeout": str(RING_TIMEOUT_MS),
        "Async": "true",
    }


async def spy(
    *, session: AsyncSession, ami: AmiClient, spy_in: SpyIn, user: User, agent_state: str
) -> SpyAction:
    """Originate the ChanSpy call and audit it; SpyFailed (audited too) when AMI refuses."""
    phone = phone_of(spy_in=spy_in, user=user)
    row = SpyAction(
        at=datetime.now(UTC), user_id=user.id, username=user.username, agent_id=spy_in.agent_id,
        mode=spy_in.mode.value, phone=phone, agent_state=agent_state, outcome="queued", detail="",
    )  # fmt: skip
    try:
        await ami.action(originate_action(spy_in=spy_in, phone=phone), as_list=False)
    except (AmiActionFailed, ConnectionError, TimeoutError) as exc:
        row.outcome, row.detail = "failed", str(exc)[:255]
    session.add(row)
    await session.flush()
    return row


async def audit(
    *, session: AsyncSession, agent_id: str | None = None, limit: int = 100
) -> Sequence[SpyAction]:
    """The newest live-help actions first, optionally for one agent."""
    stmt = select(SpyAction).order_by(SpyAction.at.desc(), SpyAction.id.desc()).limit(limit)
    if agent_id:
        stmt = stmt.where(SpyAction.agent_id == agent_id)
    return (await session.scalars(stmt)).all()


class AgentActionFailed(AppError):
    status, error_id = 502, "agent_action_failed"


def agent_ami_actions(
    body: AgentActionIn,
    queues: Sequence[str],
    reasons: Collection[str],
    *,
    centre_queues: Sequence[str] = (),
    member_name: str = "",
    paused: bool = False,
) -> tuple[list[dict[str, str]], str]:
    """The AMI actions for a grid action, and the audit's detail; InvalidInput if unfit.

    `queues`: the agent's queues now; `centre_queues`: every queue of the centre (a skill
    can be added in any of them); `paused`: the agent is paused (a new queue starts paused).
    """
    iface = body.interface
    if body.action is AgentActionKind.add_queue:
        free = [q for q in centre_queues if q not in queues]
        if body.queue is None or body.queue not in free:
            raise InvalidInput(
                "Adding a skill needs a queue of the centre the agent is not in yet.",
                hint_th="โปรดเลือกคิวที่เจ้าหน้าที่ยังไม่ได้อยู่",
                queues=free,
            )
        penalty = body.penalty or 0
        add = {
            "Action": "QueueAdd", "Queue": body.queue, "Interface": iface,
            "MemberName": member_name or iface, "Penalty": str(penalty),
            "Paused": "true" if paused else "false",
        }  # fmt: skip
        if iface.startswith("PJSIP/"):
            add["StateInterface"] = iface  # the phone's own device state, as the desk logs in
        return [add], f"+{body.queue}={penalty}"
    if body.action is AgentActionKind.remove_queue:
        if body.queue is None or body.queue not in queues or len(queues) < 2:
            raise InvalidInput(
                "Taking a skill away needs one of the agent's queues and another one left "
                "(to take every queue, log the agent out).",
                hint_th="โปรดเลือกคิวของเจ้าหน้าที่ (ต้องเหลืออย่างน้อยหนึ่งคิว)",
                queues=list(queues),
            )
        return [
            {"Action": "QueueRemove", "Queue": body.queue, "Interface": iface}
        ], f"-{body.queue}"
    if body.action is AgentActionKind.pause:
        if body.reason is None or body.reason not in reasons:
            raise InvalidInput(
                f"Give a pause reason, one of: {', '.join(sorted(reasons))}.",
                hint_th="โปรดเลือกเหตุผลการพัก",
                allowed=sorted(reasons),
            )
        pause = {"Action": "QueuePause", "Interface": iface, "Paused": "true"}
        return [{**pause, "Reason": body.reason}], body.reason
    if body.action is AgentActionKind.unpause:
        return [{"Action": "QueuePause", "Interface": iface, "Paused": "false"}], ""
    if body.action is AgentActionKind.logout:
        actions = [{"Action": "QueueRemove", "Queue": q, "Interface": iface} for q in queues]
        return actions, ",".join(queues)
    if body.queue is None or body.queue not in queues or body.penalty is None:
        raise InvalidInput(
            "A penalty change needs one of the agent's queues and a penalty 0-99.",
            hint_th="โปรดระบุคิวของเจ้าหน้าที่และค่าลำดับ 0-99",
            queues=list(queues),
        )
    action = {"Action": "QueuePenalty", "Interface": iface, "Penalty": str(body.penalty)}
    return [{**action, "Queue": body.queue}], f"{body.queue}={body.penalty}"


async def act_on_agent(
    *,
    session: AsyncSession,
    ami: AmiClient,
    body: AgentActionIn,
    user: User,
    agent: str,
    agent_state: str,
    queues: Sequence[str],
    reasons: Collection[str],
    centre_queues: Sequence[str] = (),
) -> AgentAction:
    """Send the grid action to Asterisk and audit it (refused ones too)."""
    actions, detail = agent_ami_actions(
        body, queues, reasons, centre_queues=centre_queues, member_name=agent,
        paused=agent_state == "paused",
    )  # fmt: skip
    row = AgentAction(
        at=datetime.now(UTC), user_id=user.id, username=user.username, interface=body.interface,
        agent=agent[:64], action=body.action.value, detail=detail[:255], agent_state=agent_state,
        outcome="done", error="",
    )  # fmt: skip
    try:
        for action in actions:
            await ami.action(action, as_list=False)
    except (AmiActionFailed, ConnectionError, TimeoutError) as exc:
        row.outcome, row.error = "failed", str(exc)[:255]
    session.add(row)
    await session.flush()
    return row


async def agent_audit(*, session: AsyncSession, limit: int = 100) -> Sequence[AgentAction]:
    """The newest grid actions first."""
    stmt = select(AgentAction).order_by(AgentAction.at.desc(), AgentAction.id.desc())
    return (await session.scalars(stmt.limit(limit))).all()
