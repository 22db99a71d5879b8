"""API shapes of the recordings vault."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from callcenter.privacy import mask_number
from callcenter.validation import InputModel, Int4
from recordings.models import AuditEntry, Recording
from recordings.names import Names
from recordings.service import Linked


class RecordingOut(BaseModel):
    id: int
    linkedid: str
    uniqueid: str
    kind: str
    queue: str
    agent: str
    caller: str
    caller_masked: bool
    case_id: int | None
    started_at: datetime
    ended_at: datetime | None
    duration_s: float
    talk_s: float | None  # its call's talk time, once known (recordings/completeness.py)
    incomplete: bool  # much shorter than that talk: media was lost
    codec: str
    size_bytes: int
    sha256: str
    bucket: str
    object_key: str
    version_id: str | None
    retain_until: datetime | None
    legal_hold: bool
    upload_state: str
    error: str | None
    qa_scored: bool
    # What a person reads (asterisk_conf/centre.toml): the queue's labels, the agent's name.
    queue_label_th: str = ""
    queue_label_en: str = ""
    agent_name: str = ""

    @classmethod
    def of(
        cls, row: Recording, *, mask: bool, linked: Linked, names: Names | None = None
    ) -> RecordingOut:
        th, en = names.queue(row.queue) if names else (row.queue, row.queue)
        return cls(
            id=row.id, linkedid=row.linkedid, uniqueid=row.uniqueid, kind=row.kind,
            queue=row.queue, agent=row.agent, queue_label_th=th, queue_label_en=en,
            agent_name=names.agent(row.agent) if names else row.agent,
            caller=mask_number(row.caller) if mask else row.caller, caller_masked=mask,
            case_id=linked.case_id, started_at=row.started_at, ended_at=row.ended_at,
            duration_s=row.duration_s, talk_s=row.talk_s, incomplete=row.incomplete,
            codec=row.codec, size_bytes=row.size_bytes,
            sha256=row.sha256, bucket=row.bucket, object_key=row.object_key,
            version_id=row.version_id, retain_until=row.retain_until, legal_hold=row.legal_hold,
            upload_state=row.upload_state, error=row.error, qa_scored=linked.scored,
        )  # fmt: skip


class QueueChoice(BaseModel):
    name: str
    label_th: str
    label_en: str


class AgentChoice(BaseModel):
    id: str
    name: str


class Choices(BaseModel):
    """The QA page's lists: queues in the IVR's order, agents by name, the centre's clock."""

    time_zone: str
    queues: list[QueueChoice]
    agents: list[AgentChoice]


class LegalHoldIn(InputModel):
    on: bool
    reason: str = Field(default="", max_length=500)


class Criterion(InputModel):
    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label_en: str = Field(min_length=1, max_length=200)
    label_th: str = Field(min_length=1, max_length=200)
    weight: float = Field(gt=0, le=100)


class QaFormIn(InputModel):
    name: str = Field(min_length=1, max_length=128)
    criteria: list[Criterion] = Field(min_length=1, max_length=50)


class QaFormOut(QaFormIn):
    id: int
    active: bool


class EvaluationIn(InputModel):
    form_id: Int4
    ratings: dict[str, float]  # criterion key → 0..100
    comments: str = Field(default="", max_length=5000)
    supersedes_id: int | None = None
    reason: str | None = Field(default=None, max_length=1000)


class EvaluationOut(BaseModel):
    id: int
    recording_id: int
    form_id: int
    evaluator_id: int
    ratings: dict[str, float]
    score: float
    comments: str
    supersedes_id: int | None
    supersede_reason: str | None
    superseded: bool
    submitted_at: datetime


class AuditOut(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    username: str
    role: str
    action: str
    recording_id: int | None
    client_ip: str | None
    user_agent: str | None
    detail: dict[str, object]

    @classmethod
    def of(cls, row: AuditEntry) -> AuditOut:
        return cls.model_validate(row, from_attributes=True)
