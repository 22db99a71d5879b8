"""Request and response bodies of the supervisor live-help API."""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from callcenter.users.models import AGENT_ID_PATTERN
from callcenter.validation import InputModel


class Mode(enum.StrEnum):
    listen = "listen"
    whisper = "whisper"
    barge = "barge"


# ChanSpy options: q quiet (no beep, no name), w whisper to the agent, B talk to both;
# E ends the supervisor's call when the spied-on call ends.
CHANSPY_OPTIONS = {Mode.listen: "qE", Mode.whisper: "qwE", Mode.barge: "qBE"}
LABELS = {
    Mode.listen: ("ฟังสาย", "Listen"),
    Mode.whisper: ("กระซิบ", "Whisper"),
    Mode.barge: ("ร่วมสาย", "Barge"),
}


class SpyIn(InputModel):
    agent_id: str = Field(pattern=AGENT_ID_PATTERN, description="The agent whose call to join")
    mode: Mode
    phone: str | None = Field(
        default=None,
        pattern=AGENT_ID_PATTERN,
        description="The supervisor's phone (a PJSIP endpoint); default: the user's own agent id",
    )


class SpyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    username: str
    agent_id: str
    mode: str
    phone: str
    agent_state: str
    outcome: str
    detail: str


class AgentNow(BaseModel):
    agent_id: str
    state: str
    reason: str = ""


class AgentActionKind(enum.StrEnum):
    pause = "pause"
    unpause = "unpause"
    logout = "logout"
    penalty = "penalty"
    add_queue = "add_queue"  # a skill: a member of one more queue, at `penalty`
    remove_queue = "remove_queue"  # a skill taken away: out of one queue, still in the others


class AgentActionIn(InputModel):
    """A supervisor's action on an agent of the wallboard's grid (by queue member interface)."""

    interface: str = Field(
        min_length=3, max_length=128, pattern=r"^[A-Za-z0-9/@._-]+$",
        description="The agent's queue member interface, e.g. PJSIP/agent07",
    )  # fmt: skip
    action: AgentActionKind
    reason: str | None = Field(default=None, max_length=32, description="pause: the reason code")
    queue: str | None = Field(
        default=None, max_length=64, description="penalty, add_queue, remove_queue: the queue"
    )
    penalty: int | None = Field(
        default=None, ge=0, le=99, description="penalty, add_queue: the penalty (0 = first)"
    )


class AgentActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    username: str
    interface: str
    agent: str
    action: str
    detail: str
    agent_state: str
    outcome: str
    error: str
