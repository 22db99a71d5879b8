"""API shapes of the recordings vault."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from callcenter.privacy import mask_number
from callcenter.validation import InputModel, Int4, Int8
from recordings.models import AuditEntry, Recording
from recordings.names import Names
from recordings.service import Linked

QA_DEFINITION = "qa-v2"  # the score's definition (recordings/qa.py VERSION)


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
    qa_score: float | None = None  # the newest current evaluation's score (qa-v2)
    qa_critical_fail: bool = False
    qa_disputed: bool = False  # the agent disputed one of its evaluations
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
            qa_score=linked.score, qa_critical_fail=linked.critical_fail,
            qa_disputed=linked.disputed,
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


class MarkerOut(BaseModel):
    at_s: float  # seconds into the recording
    kind: Literal["hold", "unhold", "transfer"]
    detail: str  # a transfer's target


class LegalHoldIn(InputModel):
    on: bool
    reason: str = Field(default="", max_length=500)


Scale = Literal["0-100", "1-5", "yes_no"]


class Criterion(InputModel):
    """One item of a form (qa-v2): its section, weight and scale; whether it may be N/A
    (left out of the weight) and whether it is critical (rated "no", the score is 0)."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label_en: str = Field(min_length=1, max_length=200)
    label_th: str = Field(min_length=1, max_length=200)
    weight: float = Field(gt=0, le=100)
    section_en: str = Field(default="", max_length=200)
    section_th: str = Field(default="", max_length=200)
    scale: Scale = "0-100"
    allow_na: bool = False
    critical: bool = False

    @model_validator(mode="after")
    def _critical_is_yes_no(self) -> Criterion:
        if self.critical and self.scale != "yes_no":
            raise ValueError("a critical item is rated yes/no (no fails the call)")
        return self


def _unique_keys(criteria: list[Criterion]) -> list[Criterion]:
    keys = [c.key for c in criteria]
    if len(set(keys)) != len(keys):
        raise ValueError("criterion keys must be unique")
    return criteria


class QaFormVersionIn(InputModel):
    criteria: list[Criterion] = Field(min_length=1, max_length=50)
    _unique = field_validator("criteria")(_unique_keys)


class QaFormIn(QaFormVersionIn):
    name: str = Field(min_length=1, max_length=128)


class QaFormOut(BaseModel):
    id: int
    name: str
    version: int
    active: bool
    criteria: list[Criterion]


class EvaluationIn(InputModel):
    form_id: Int4
    # criterion key → its rating on the item's scale; null: not applicable
    ratings: dict[str, float | None] = Field(max_length=50)
    comments: str = Field(default="", max_length=5000)
    item_comments: dict[str, Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=dict, max_length=50
    )
    supersedes_id: Int8 | None = None
    reason: str | None = Field(default=None, max_length=1000)


class ResponseIn(InputModel):
    action: Literal["acknowledge", "dispute"]
    reason: str = Field(default="", max_length=2000)


class ResponseOut(BaseModel):
    action: str
    reason: str
    username: str
    at: datetime


class EvaluationOut(BaseModel):
    id: int
    recording_id: int
    form_id: int
    form_name: str = ""
    form_version: int = 1
    evaluator_id: int
    evaluator: str = ""  # the auditor's username
    ratings: dict[str, float | None]
    item_comments: dict[str, str] = {}
    score: float
    critical_fail: bool = False
    comments: str
    supersedes_id: int | None
    supersede_reason: str | None
    superseded: bool
    submitted_at: datetime
    response: ResponseOut | None = None  # the agent's acknowledgement or dispute
    definition: str = QA_DEFINITION  # docs/kpi-v1.md, section 11


class MyEvaluationOut(EvaluationOut):
    """An evaluation of the agent's own call, with what they need to read it."""

    queue_label_th: str
    queue_label_en: str
    started_at: datetime
    duration_s: float
    form: QaFormOut


class CalibrationAuditor(BaseModel):
    evaluation_id: int
    evaluator: str
    score: float
    critical_fail: bool
    submitted_at: datetime


class CalibrationItem(BaseModel):
    key: str
    label_th: str
    label_en: str
    points: list[float | None]  # per auditor, 0–100 of the item; null: N/A
    spread: float | None  # highest minus lowest; null: fewer than two rated it


class CalibrationOut(BaseModel):
    """Two (or more) auditors' current evaluations of one call, compared (qa-v2)."""

    recording_id: int
    form_id: int | None
    form_name: str
    form_version: int | None
    auditors: list[CalibrationAuditor]
    items: list[CalibrationItem]
    score_spread: float | None
    other_forms: int  # evaluations on other form versions, left out of the comparison
    definition: str = QA_DEFINITION  # docs/kpi-v1.md, section 11


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
