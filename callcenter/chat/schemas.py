"""Request and response bodies of the chat inbox API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from callcenter.validation import Id4, InputModel


class ConversationOut(BaseModel):
    id: int
    channel: str
    customer_id: str  # masked unless the reader may see the customer's data
    customer_name: str
    state: str
    lang: str
    service_line: str | None
    assigned_user_id: int | None
    started_at: datetime
    handed_off_at: datetime | None
    first_human_reply_at: datetime | None
    closed_at: datetime | None
    last_message: str
    last_customer_at: datetime | None
    waiting_s: float | None = Field(description="Since the hand-off, until the first human reply")
    reply_due_at: datetime | None = Field(description="Hand-off + the first-reply SLA")
    time_left_s: float | None = Field(description="Until reply_due_at; negative: breached")
    failed_sends: int = Field(description="Messages that could not be delivered")
    case_id: int | None = Field(description="The complaint case opened from this conversation")
    subject: str = Field(default="", description="E-mail: the thread's subject")


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(BaseModel):
    id: int
    direction: str
    author: str
    author_user_id: int | None
    kind: str
    text: str
    at: datetime
    delivery: str | None = Field(description="Outbound: pending, sent or failed")
    delivery_method: str | None = Field(description="reply (reply token) or push")
    delivery_error: str
    attachments: list[AttachmentOut] = Field(
        default_factory=list,
        description="Files that came with it: GET …/attachments/{id} for the bytes",
    )


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


class ReplyIn(InputModel):
    """The admin's own words, or a canned answer (sent in the conversation's language)."""

    text: str | None = Field(
        default=None, min_length=1, max_length=5000, description="LINE: at most 5000 characters"
    )
    canned: str | None = Field(default=None, max_length=64, description="A canned answer's id")

    @model_validator(mode="after")
    def _one(self) -> ReplyIn:
        if (self.text is None) == (self.canned is None):
            raise ValueError("send either text or canned")
        return self


class CannedOut(BaseModel):
    id: str
    title_th: str
    title_en: str
    text_th: str
    text_en: str


class AssignIn(InputModel):
    user_id: Id4


class ChatCaseIn(InputModel):
    """A case from the conversation: empty fields are taken from it (channel, the customer's
    name, the service line the bot recorded, the customer's messages as the description)."""

    service_line: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    caller_name: str | None = Field(default=None, max_length=255)
    caller_phone: str | None = Field(default=None, max_length=64)
    caller_email: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=20000)
    shop_name: str | None = Field(default=None, max_length=255)
    platform: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, max_length=2048)


TAG_PATTERN = r"^[\w\-]{1,64}$"  # letters (Thai too), digits, _ and -


class BroadcastIn(InputModel):
    """A draft: to every LINE friend (no tags), or to the customers tagged with any of `tags`."""

    text: str = Field(min_length=1, max_length=5000)
    tags: list[Annotated[str, Field(pattern=TAG_PATTERN)]] = Field(default=[], max_length=20)


class ScheduleIn(InputModel):
    at: datetime | None = Field(default=None, description="When to send; now when left out")


class BroadcastOut(BaseModel):
    id: int
    text: str
    audience: str = Field(description="all (LINE broadcast) or tags (multicast)")
    tags: list[str]
    image: bool
    status: str = Field(description="draft, scheduled, sending, sent, failed or cancelled")
    send_at: datetime | None
    recipients: int | None
    requests: int
    requests_sent: int
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str


class QuotaOut(BaseModel):
    type: str = Field(description="limited, or none (no target limit)")
    value: int | None = Field(description="The month's target limit (when limited)")
    total_usage: int = Field(description="Messages counted against it this month")
    remaining: int | None
