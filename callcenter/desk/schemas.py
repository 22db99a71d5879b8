"""Request and response bodies of the agent desk API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from callcenter.validation import InputModel

# Pause reason codes agents choose from (AMI QueuePause Reason); code → (Thai, English).
PAUSE_REASONS: dict[str, tuple[str, str]] = {
    "break": ("พักเบรก", "Break"),
    "meal": ("พักรับประทานอาหาร", "Meal"),
    "training": ("อบรม", "Training"),
    "after_call_work": ("งานหลังจบสาย", "After-call work"),
    "meeting": ("ประชุม", "Meeting"),
    "coaching": ("รับการโค้ช", "Coaching"),
    "system_issue": ("ปัญหาระบบ", "System issue"),
}


class SipConfig(BaseModel):
    """What the page's softphone needs to register as the agent's PJSIP endpoint."""

    ws_url: str
    uri: str
    authorization_user: str
    password: str
    display_name: str


class LoginIn(InputModel):
    # No agent id anywhere: the desk acts on the caller's own agent; extra fields are refused.
    model_config = ConfigDict(extra="forbid")

    # None: every queue the agent is skilled for (centre.toml); else a subset of them.
    queues: list[str] | None = Field(default=None, max_length=32)


class PauseIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=64, description="a code of GET /api/v1/desk/pause-reasons")


class PauseReason(BaseModel):
    code: str
    label_th: str
    label_en: str


class QueueState(BaseModel):
    queue: str
    label_th: str
    label_en: str
    penalty: int
    state: str
    reason: str = ""
    wrapup_s: int = 0


class DeskState(BaseModel):
    """The agent's state across its queues (centre-wide: the most engaged state wins)."""

    agent_id: str
    state: str
    reason: str = ""
    # Paused in Asterisk while a call still rings, talks or wraps up: the pause takes effect
    # after the call (ringing → pause requested → paused), so the desk says it is requested.
    pause_requested: bool = False
    pause_reason: str = ""
    queues: list[QueueState]


class Target(BaseModel):
    """Somewhere a call can be transferred to: `dial` is what the softphone dials."""

    kind: str  # queue | agent | supervisor
    dial: str
    label_th: str
    label_en: str


class Directory(BaseModel):
    targets: list[Target]


class DispositionCode(BaseModel):
    code: str
    label_th: str
    label_en: str


class DispositionIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    call_id: str = Field(min_length=1, max_length=64, description="The call's id (linkedid)")
    code: str = Field(max_length=32, description="A code of GET /api/v1/desk/dispositions")
    note: str = Field(default="", max_length=2000)


class DispositionOut(BaseModel):
    id: int
    call_id: str
    code: str
    label_th: str
    label_en: str
    at: datetime
    wrapup_ended: bool
    state: DeskState


class RecentCall(BaseModel):
    """One of the agent's recent calls (queue calls and the desk's own outbound calls)."""

    call_id: str
    direction: str  # inbound | outbound
    queue: str = ""
    label_th: str = ""
    label_en: str = ""
    number: str = ""
    at: datetime
    talk_s: int | None = None
    outcome: str | None = None
    disposition: str | None = None


class DialIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=32, description="The number to call")


class DialOut(BaseModel):
    """The agent's phone rings first; answering it dials the number."""

    call_id: str
    number: str
