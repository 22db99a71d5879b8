"""Request and response bodies of the cases API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callcenter.cases.models import Channel, Status
from callcenter.validation import InputModel, Int4, Label, Moment

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


class ReferralIn(InputModel):
    agency: str = Field(max_length=64, description="An agency code from the taxonomy")
    referred_at: datetime | None = Field(default=None, description="Default: now")
    note: str = Field(default="", max_length=4000)


class ReferralUpdate(InputModel):
    returned: bool | None = None
    returned_at: datetime | None = None
    returned_note: str | None = Field(default=None, max_length=4000)


class CallLinkIn(InputModel):
    linkedid: str = Field(min_length=1, max_length=64, description="Asterisk Linkedid")
    call_id: str | None = Field(default=None, max_length=64)
    queue: str | None = Field(default=None, max_length=64)
    recording_id: str | None = Field(default=None, max_length=255)


class _CaseFields(InputModel):
    caller_name: str | None = Field(default=None, max_length=255)
    caller_phone: str | None = Field(default=None, max_length=32)
    caller_email: str | None = Field(default=None, max_length=255)
    caller_national_id: str | None = Field(default=None, description="13 digits")
    category: str | None = Field(default=None, max_length=64, description="Category code")
    description: str | None = Field(default=None, max_length=20000)
    amount_lost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    shop_name: str | None = Field(default=None, max_length=255)
    platform: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, max_length=2048)
    resolution: str | None = Field(default=None, max_length=20000)
    fcr_flag: bool | None = None
    success_flag: bool | None = None
    assigned_user_id: Int4 | None = None
    follow_up_at: Moment | None = Field(
        default=None, description="Follow-up reminder (with a time zone); null clears it"
    )

    @field_validator("caller_national_id")
    @classmethod
    def _national_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value.replace("-", "").replace(" ", "")
        if digits and (len(digits) != 13 or not digits.isdigit()):
            raise ValueError("a Thai ID number has 13 digits")
        return digits


class CaseCreate(_CaseFields):
    channel: Channel = Channel.phone
    service_line: str = Field(max_length=64)
    status: Status = Field(default=Status.new, description="Must be reachable from new")
    referrals: list[ReferralIn] = Field(default_factory=list, max_length=20)
    call: CallLinkIn | None = Field(default=None, description="The call this case comes from")


class VoidIn(InputModel):
    reason: str = Field(min_length=1, max_length=500, description="Why (test data, a duplicate)")


class CaseUpdate(_CaseFields):
    """Only the fields sent are changed (each change is audited)."""

    channel: Channel | None = None
    service_line: str | None = Field(default=None, max_length=64)
    status: Status | None = None


class LabelOut(BaseModel):
    code: str
    label_th: str
    label_en: str


class ReferralOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agency: str
    referred_at: datetime
    note: str
    returned: bool
    returned_at: datetime | None
    returned_note: str


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    linkedid: str
    call_id: str | None
    queue: str | None
    recording_id: str | None
    linked_at: datetime


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


class CaseSummary(BaseModel):
    id: int
    number: str
    channel: Channel
    status: Status
    caller_name: str
    caller_phone: str
    service_line: LabelOut
    category: LabelOut | None
    assigned_user_id: int | None
    created_at: datetime
    updated_at: datetime
    follow_up_at: datetime | None = None
    personal_data_masked: bool


class CaseOut(CaseSummary):
    caller_email: str
    caller_national_id: str
    description: str
    amount_lost: Decimal | None
    shop_name: str
    platform: str
    url: str
    resolution: str
    fcr_flag: bool
    success_flag: bool
    created_by_user_id: int | None
    closed_at: datetime | None
    allowed_next: list[Status]
    voided_at: datetime | None = None
    void_reason: str = ""
    referrals: list[ReferralOut]
    calls: list[CallOut]
    attachments: list[AttachmentOut]


class SearchOut(BaseModel):
    total: int
    items: list[CaseSummary]


class AuditOut(BaseModel):
    at: datetime
    user_id: int | None
    username: str
    field: str
    old: str | None
    new: str | None


class TaxonomyItemIn(InputModel):
    code: str = Field(pattern=CODE_PATTERN)
    label_th: Label
    label_en: Label
    active: bool = True
    sort: Int4 = 0


class ServiceLineIn(TaxonomyItemIn):
    queue: str = Field(max_length=64, description="Its queue in centre.toml")


class TaxonomyItemUpdate(InputModel):
    label_th: Label | None = None
    label_en: Label | None = None
    active: bool | None = None
    sort: Int4 | None = None


class CategoryOut(LabelOut):
    model_config = ConfigDict(from_attributes=True)

    id: int
    active: bool
    sort: int


class ServiceLineOut(LabelOut):
    queue: str
    active: bool
    sort: int
    categories: list[CategoryOut]


class AgencyOut(LabelOut):
    model_config = ConfigDict(from_attributes=True)

    active: bool
    sort: int


class TaxonomyOut(BaseModel):
    service_lines: list[ServiceLineOut]
    agencies: list[AgencyOut]
