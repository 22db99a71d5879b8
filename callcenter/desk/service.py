"""Agent desk actions: each acts on the calling user's own agent (PJSIP/<agent id>) only.

Queue membership and pauses go to Asterisk through AMI; the resulting
QueueMember* events reach the live engine (and the wallboard) like any other.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from callcenter.ami.client import AmiActionFailed, AmiClient
from callcenter.centre import AgentDef, Centre
from callcenter.config import Settings
from callcenter.desk.schemas import PAUSE_REASONS, DeskState, QueueState, SipConfig
from callcenter.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from queue_metrics.engine import MetricsEngine

SECRETS_FILE = "secrets.json"
# States a pause waits behind: Asterisk pauses the member at once, but the call goes on.
ENGAGED = frozenset({"ringing", "on_call", "wrap_up"})


class UnknownPauseReason(InvalidInput):
    error_id = "unknown_pause_reason"


class UnknownQueue(InvalidInput):
    error_id = "unknown_queue"


class InvalidNumber(InvalidInput):
    error_id = "invalid_number"


class NoOutboundRoute(Conflict):
    error_id = "outbound_not_configured"


class PhoneSystemUnavailable(AppError):
    status, error_id = 503, "phone_system_unavailable"


def interface(agent_id: str) -> str:
    """The queue member interface (and state interface) of a centre agent's softphone."""
    return f"PJSIP/{agent_id}"


def agent_of(layout: Centre, agent_id: str | None) -> AgentDef:
    """The centre agent this login works as; Forbidden for logins without one."""
    if not agent_id:
        raise Forbidden(
            "This login is not linked to a centre agent (ask an admin to set its agent id).",
            hint_th="บัญชีนี้ยังไม่ผูกกับรหัสเจ้าหน้าที่ โปรดติดต่อผู้ดูแลระบบ",
        )
    for agent in layout.agents:
        if agent.id == agent_id:
            return agent
    raise NotFound(f"Agent {agent_id} is not in centre.toml.", agent_id=agent_id)


def ws_url(settings: Settings) -> str:
    """SIP over WebSocket on Asterisk's HTTP server (the ARI URL's host and port, path /ws)."""
    if settings.sip_ws_url:
        return settings.sip_ws_url
    parts = urlsplit(settings.ari_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/ws"


def sip_config(*, settings: Settings, agent: AgentDef) -> SipConfig:
    """The agent's own SIP login (the password from the stack's secrets.json)."""
    password = _sip_passwords(settings.state_dir / SECRETS_FILE).get(agent.id)
    if not password:
        raise NotFound(f"No SIP password for {agent.id}: run `callcenter stack up`.")
    host = urlsplit(ws_url(settings)).hostname or "127.0.0.1"
    return SipConfig(
        ws_url=ws_url(settings),
        uri=f"sip:{agent.id}@{host}",
        authorization_user=agent.id,
        password=password,
        display_name=agent.name,
    )


def _sip_passwords(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    passwords = data.get("sip_passwords") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in (passwords or {}).items()}


def chosen_queues(agent: AgentDef, queues: list[str] | None) -> dict[str, int]:
    """Queue → penalty: the agent's skills, or the requested subset of them."""
    if queues is None:
        return dict(agent.skills)
    unknown = sorted(set(queues) - set(agent.skills))
    if unknown:
        raise UnknownQueue(
            f"{agent.id} is not skilled for {', '.join(unknown)}.",
            queues=unknown,
            skilled=sorted(agent.skills),
        )
    return {q: agent.skills[q] for q in queues}


async def login(*, ami: AmiClient, agent: AgentDef, queues: dict[str, int]) -> None:
    """QueueAdd into each queue with the skill's penalty; already a member is fine.

    Wrap-up is the queue's (queues.conf `wrapuptime` from centre.toml): AMI QueueAdd
    has no per-member wrap-up time.
    """
    for queue, penalty in queues.items():
        action = {
            "Action": "QueueAdd",
            "Queue": queue,
            "Interface": interface(agent.id),
            "MemberName": agent.id,
            "StateInterface": interface(agent.id),
            "Penalty": str(penalty),
            "Paused": "false",
        }
        await _send(ami, action, tolerate="Already there")


async def pause(*, ami: AmiClient, agent: AgentDef, reason: str) -> None:
    """Pause in every queue with a reason code (QueueMemberPause carries it)."""
    if reason not in PAUSE_REASONS:
        raise UnknownPauseReason(
            f"Unknown pause reason {reason!r}.", reason=reason, allowed=sorted(PAUSE_REASONS)
        )
    action = {"Action": "QueuePause", "Interface": interface(agent.id), "Paused": "true"}
    await _send(ami, {**action, "Reason": reason})


async def ready(*, ami: AmiClient, agent: AgentDef) -> None:
    """Unpause in every queue."""
    action = {"Action": "QueuePause", "Interface": interface(agent.id), "Paused": "false"}
    await _send(ami, action)


async def logout(*, ami: AmiClient, agent: AgentDef) -> None:
    """QueueRemove from every skilled queue; not a member is fine."""
    for queue in agent.skills:
        action = {"Action": "QueueRemove", "Queue": queue, "Interface": interface(agent.id)}
        await _send(ami, action, tolerate="Not there")


async def _send(ami: AmiClient, action: dict[str, Any], *, tolerate: str | None = None) -> None:
    try:
        await ami.action(action)
    except AmiActionFailed as exc:
        if tolerate and tolerate.lower() in str(exc).lower():
            return
        if "not found" in str(exc).lower() and action["Action"] == "QueuePause":
            raise InvalidInput(
                "Log in to your queues before pausing.", hint_th="โปรดเข้าคิวก่อนพัก"
            ) from None
        raise PhoneSystemUnavailable(f"Asterisk refused {action['Action']}: {exc}") from None
    except (ConnectionError, TimeoutError) as exc:
        raise PhoneSystemUnavailable(f"The phone system is not reachable: {exc}") from None


def state(*, metrics: MetricsEngine, layout: Centre, agent: AgentDef, now: float) -> DeskState:
    """The live engine's view of this agent (what the wallboard counts)."""
    agents, iface = metrics.agents, interface(agent.id)
    labels = {q.name: q for q in layout.queues}
    rows = []
    for queue, penalty in agent.skills.items():
        s, reason = agents.state(queue, iface, now)
        q = labels[queue]
        rows.append(
            QueueState(
                queue=queue,
                label_th=q.label_th,
                label_en=q.label_en,
                penalty=penalty,
                state=s,
                reason=reason,
                wrapup_s=agents.wrapup_s(queue, iface, q.wrapuptime),
            )
        )
    centre, reason = agents.centre_state(iface, now)
    paused = [m for q in agents.queues_of(iface) if (m := agents.members[q][iface]).paused]
    requested = bool(paused) and centre in ENGAGED
    return DeskState(
        agent_id=agent.id,
        state=centre,
        reason=reason,
        pause_requested=requested,
        pause_reason=paused[0].reason if requested else "",
        queues=rows,
    )


async def end_wrapup(
    *, ami: AmiClient, metrics: MetricsEngine, layout: Centre, agent: AgentDef, now: float
) -> bool:
    """The agent submitted the call's disposition: wrap-up ends, calls are offered again
    (or, when the agent paused meanwhile, as soon as the agent is ready).

    The live engine stops counting wrap-up at once. Asterisk holds a member's next call for
    the queue's wrapuptime after its last call and has no action that ends it early, so in
    a queue with a wrapuptime the member is removed and added again (same penalty, same
    pause): a new membership has no last call. Queues without one (the default) are left
    alone.
    """
    agents, iface = metrics.agents, interface(agent.id)
    phone = agents.phones.get(iface)
    if phone is None or phone.wrapup_until <= now:
        return False
    held = {q.name for q in layout.queues if q.wrapuptime > 0}
    for queue in agents.queues_of(iface):
        if queue not in held and agents.wrapup_s(queue, iface, 0) == 0:
            continue
        member = agents.members[queue][iface]
        paused, reason = member.paused, member.reason
        remove = {"Action": "QueueRemove", "Queue": queue, "Interface": iface}
        await _send(ami, remove, tolerate="Not there")
        await login(ami=ami, agent=agent, queues={queue: agent.skills.get(queue, 0)})
        if paused:
            pause_again = {"Action": "QueuePause", "Queue": queue, "Interface": iface}
            await _send(ami, {**pause_again, "Paused": "true", "Reason": reason})
    return agents.end_wrapup(iface)


def dial_number(settings: Settings, raw: str) -> str:
    """The number to dial: spaces and dashes dropped; 422 invalid_number unless it is one
    the centre calls (settings.desk_number_pattern)."""
    number = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(settings.desk_number_pattern, number):
        raise InvalidNumber(
            f"{raw!r} is not a number the centre dials (a Thai phone number, e.g. 0812345678).",
            hint_th="หมายเลขไม่ถูกต้อง โปรดกรอกเบอร์โทรศัพท์ในประเทศไทย เช่น 0812345678",
            number=raw,
        )
    return number


def out_context(settings: Settings) -> str:
    context = settings.desk_out_context or settings.callback_out_context
    if not context:
        raise NoOutboundRoute(
            "No outbound route is configured (CALLCENTER_DESK_OUT_CONTEXT).",
            hint_th="ยังไม่ได้ตั้งค่าเส้นทางโทรออก",
        )
    return context


async def dial(*, ami: AmiClient, settings: Settings, agent: AgentDef, number: str) -> str:
    """Ring the agent's own phone (AMI Originate into [desk-dial]); once the agent answers,
    the dialplan dials `number` through the outbound route. The call's id (its linkedid)."""
    context = out_context(settings)
    call_id = f"desk-{agent.id}-{uuid.uuid4().hex[:12]}"
    action = {
        "Action": "Originate",
        "Channel": interface(agent.id),
        "Context": "desk-dial",
        "Exten": "s",
        "Priority": "1",
        "Timeout": str(settings.desk_agent_ring_s * 1000),
        "CallerID": f'"โทรออก {number}" <{number}>',
        "Async": "true",
        "ChannelId": call_id,
        "Variable": [
            f"DESK_NUMBER={number}",
            f"DESK_OUT={context}",
            f"DESK_RING={settings.desk_customer_ring_s}",
        ],
    }
    await _send(ami, action)
    return call_id
