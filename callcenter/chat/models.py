"""Chat tables: raw webhook events, conversations, their messages and outgoing sends."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base


class State(enum.StrEnum):
    """Who holds a conversation: the bot, the admin queue, one admin, or nobody (closed)."""

    bot = "bot"
    queued = "queued"
    assigned = "assigned"
    closed = "closed"


class Direction(enum.StrEnum):
    inbound = "inbound"
    outbound = "outbound"
    internal = "internal"  # a note of the desk's own (kind handoff or close), never sent


class Author(enum.StrEnum):
    customer = "customer"
    bot = "bot"
    admin = "admin"


class SendStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class WebhookEvent(Base):
    """One platform event as it arrived, stored before the webhook is acknowledged."""

    __tablename__ = "chat_webhook_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_id"),
        # the processor's round: the events not yet handled, oldest first
        Index(
            "ix_chat_webhook_events_unprocessed",
            "id",
            postgresql_where=text("processed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # LINE: webhookEventId (a ULID); Messenger: the message's or postback's mid
    event_id: Mapped[str] = mapped_column(String(255))
    redelivery: Mapped[bool] = mapped_column(default=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str] = mapped_column(Text, default="")


class Conversation(Base):
    """One customer on one channel, from the first message until an admin closes it."""

    __tablename__ = "chat_conversations"
    __table_args__ = (
        # at most one open conversation per customer and channel
        Index(
            "ix_chat_conversations_open_customer",
            "channel",
            "customer_id",
            unique=True,
            # an e-mail thread is a conversation of its own: an address may have several
            postgresql_where=text("state <> 'closed' AND channel <> 'email'"),
        ),
        # handed off means due: the hand-off stores both (chat-v1 judges by the due time)
        CheckConstraint("handed_off_at IS NULL OR reply_due_at IS NOT NULL", name="handed_off_due"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # LINE userId, Messenger PSID, the sender's e-mail address (lower case)
    customer_id: Mapped[str] = mapped_column(String(128))
    customer_name: Mapped[str] = mapped_column(String(255), default="")
    lang: Mapped[str] = mapped_column(String(2), default="th")
    state: Mapped[str] = mapped_column(String(16), default=State.bot.value, index=True)
    service_line: Mapped[str | None] = mapped_column(ForeignKey("case_service_lines.code"))
    bot_failures: Mapped[int] = mapped_column(Integer, default=0)
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_customer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # When the first human reply is due: the channel's SLA target from the hand-off (e-mail:
    # receipt), counted in its business hours (callcenter/chat/sla.py); set with handed_off_at.
    reply_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    first_human_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # The customer's latest unused LINE reply token (single use, valid ~30 s from reply_until).
    reply_token: Mapped[str | None] = mapped_column(String(255))
    reply_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subject: Mapped[str] = mapped_column(Text, default="")  # e-mail: the thread's subject
    # The bot's guided flow in progress: {"flow": "intake", "step": …, "answers": {…}} or
    # {"flow": "track"}; None when the bot is at its menu.
    bot_flow: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Message(Base):
    """A message of a conversation, either way; outbound ones belong to a send."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))
    author: Mapped[str] = mapped_column(String(8))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # text, image, sticker, postback, follow, …
    text: Mapped[str] = mapped_column(Text, default="")
    # LINE message id, Messenger mid, e-mail Message-ID (what threads a reply)
    external_id: Mapped[str | None] = mapped_column(String(255))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("chat_webhook_events.id"))
    send_id: Mapped[int | None] = mapped_column(ForeignKey("chat_sends.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # A hand-off note's first-reply due time (the conversation's reply_due_at, kept with the
    # note so chat-v1's recount from the messages judges by the same time).
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Attachment(Base):
    """A file a message carried (an e-mail attachment, a LINE image), kept in S3."""

    __tablename__ = "chat_attachments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), index=True
    )
    bucket: Mapped[str] = mapped_column(String(63))
    object_key: Mapped[str] = mapped_column(String(1024))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    # An admin's picture: the platform fetches it at /public/chat/images/{public_token}.
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)


class Satisfaction(Base):
    """The satisfaction questionnaire of a closed conversation: asked, then a 1–5 score and an
    optional comment. Its columns follow the voice CSAT's (agent, queue, case, score 1–5), so
    the two read as one report: channel is the chat channel (voice: "voice"), queue the
    service line the conversation was about."""

    __tablename__ = "chat_satisfaction"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        # the questionnaire a customer's next message may answer
        Index(
            "ix_chat_satisfaction_open",
            "channel",
            "customer_id",
            postgresql_where=text("stage <> 'done'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(128))
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    lang: Mapped[str] = mapped_column(String(2))
    stage: Mapped[str] = mapped_column(String(8))  # asked, comment (score given), done
    score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BroadcastStatus(enum.StrEnum):
    draft = "draft"  # being composed (an image may still come)
    scheduled = "scheduled"  # waits for send_at
    sending = "sending"  # its requests planned (retry keys kept); some not answered yet
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


class Broadcast(Base):
    """A LINE message to all followers (broadcast) or to tagged customers (multicast)."""

    __tablename__ = "chat_broadcasts"
    __table_args__ = (
        Index(
            "ix_chat_broadcasts_due",
            "send_at",
            postgresql_where=text("status IN ('scheduled', 'sending')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(8))  # all, tags
    tags: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # The image, kept in S3 and served to LINE at /public/chat/images/{image_token}.
    image_bucket: Mapped[str | None] = mapped_column(String(63))
    image_key: Mapped[str | None] = mapped_column(String(1024))
    image_type: Mapped[str | None] = mapped_column(String(64))
    image_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=BroadcastStatus.draft.value)
    send_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The platform calls, planned before the first: [{"retry_key", "to": [..] | None,
    # "status": pending|sent|failed, "detail"}]; a retry reuses its key (never sent twice).
    requests: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    recipients: Mapped[int | None] = mapped_column(Integer)  # multicast: how many user ids
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(String(64))  # a username, or the calling module
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")


class CustomerTag(Base):
    """A segment a customer belongs to (a broadcast's audience), tagged by an admin."""

    __tablename__ = "chat_customer_tags"
    __table_args__ = (UniqueConstraint("channel", "customer_id", "tag"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(128))
    tag: Mapped[str] = mapped_column(String(64), index=True)
    tagged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    tagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Send(Base):
    """Delivery of outbound messages (1..5 in one request): reply token first, else push."""

    __tablename__ = "chat_sends"
    __table_args__ = (
        Index(
            "ix_chat_sends_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    to: Mapped[str] = mapped_column(String(128))
    # The platform's idempotency key (LINE: X-Line-Retry-Key, a UUID): the same on every retry.
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    payload: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # LINE message objects
    # Messenger: RESPONSE (within 24 h of the customer's last message) or HUMAN_AGENT (a
    # person's message, within 7 days); None on LINE.
    tag: Mapped[str | None] = mapped_column(String(16))
    reply_token: Mapped[str | None] = mapped_column(String(255))
    reply_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(8), default=SendStatus.pending.value)
    method: Mapped[str | None] = mapped_column(String(8))  # reply or push, once sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
