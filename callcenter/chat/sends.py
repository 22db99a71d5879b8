"""Outgoing sends: queued with their idempotency key, then picked by the sender when due.

Functions take the session keyword-only and never commit; callers own the transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.chat import bot, email_text
from callcenter.chat.models import Author, Conversation, Direction, Message, Send, SendStatus

FACEBOOK = "facebook"  # the channel name (callcenter.chat.service.FACEBOOK)
EMAIL = "email"
MSGID_DOMAIN = "chat.1212.callcenter"  # the right-hand side of the desk's Message-IDs
# Messenger's windows: a RESPONSE within 24 h of the customer's last message; a person's
# message with the HUMAN_AGENT tag within 7 days; nothing after that.
FB_RESPONSE_WINDOW, FB_HUMAN_AGENT_WINDOW = timedelta(hours=24), timedelta(days=7)


async def queue_send(
    *,
    session: AsyncSession,
    conv: Conversation,
    messages: list[dict[str, Any]],
    author: Author,
    user_id: int | None,
    now: datetime,
) -> Send:
    """Outbound messages and their send; takes the conversation's reply token while valid."""
    if conv.channel == EMAIL:
        messages = await email_payload(
            session=session, conv=conv, messages=messages, human=author == Author.admin
        )
    token_valid = conv.reply_token is not None and conv.reply_until is not None
    token_valid = token_valid and now < conv.reply_until  # type: ignore[operator]
    send = Send(
        conversation_id=conv.id, channel=conv.channel, to=conv.customer_id,
        idempotency_key=str(uuid.uuid4()), payload=messages,
        reply_token=conv.reply_token if token_valid else None,
        reply_until=conv.reply_until if token_valid else None,
        status=SendStatus.pending.value, attempts=0, next_attempt_at=now, last_error="",
        created_at=now,
    )  # fmt: skip
    conv.reply_token = conv.reply_until = None  # single use
    if conv.channel == FACEBOOK:
        send.tag = messenger_tag(conv.last_customer_at, author=author, now=now)
        if send.tag is None:
            send.status = SendStatus.failed.value
            send.last_error = (
                "Messenger: more than 24 h (7 days for an admin) since the customer wrote"
            )
    session.add(send)
    await session.flush()
    for message in messages:
        session.add(
            Message(
                conversation_id=conv.id, channel=conv.channel, direction=Direction.outbound.value,
                author=author.value, author_user_id=user_id, kind=message.get("type", "text"),
                text=bot.plain_text(message), send_id=send.id, at=now,
                external_id=message.get("messageId"),  # e-mail: what the customer answers
            )
        )  # fmt: skip
    return send


def messenger_tag(
    last_customer_at: datetime | None, *, author: Author, now: datetime
) -> str | None:
    """RESPONSE, HUMAN_AGENT (an admin's message only) or None: Messenger would refuse it."""
    if last_customer_at is None:
        return None
    if now - last_customer_at <= FB_RESPONSE_WINDOW:
        return "RESPONSE"
    if author == Author.admin and now - last_customer_at <= FB_HUMAN_AGENT_WINDOW:
        return "HUMAN_AGENT"
    return None


async def due_send(*, session: AsyncSession, now: datetime) -> Send | None:
    """One pending send whose time has come, locked for this worker."""
    stmt = (
        select(Send)
        .where(Send.status == SendStatus.pending.value, Send.next_attempt_at <= now)
        .order_by(Send.next_attempt_at, Send.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return await session.scalar(stmt)


async def email_payload(
    *, session: AsyncSession, conv: Conversation, messages: list[dict[str, Any]], human: bool
) -> list[dict[str, Any]]:
    """The messages as one "email" answer in the conversation's thread (its own Message-ID)."""
    stmt = (
        select(Message.external_id, Message.direction)
        .where(Message.conversation_id == conv.id, Message.external_id.is_not(None))
        .order_by(Message.id)
    )
    rows = (await session.execute(stmt)).all()
    references = [mid for mid, _ in rows if mid][-20:]
    last_in = next((mid for mid, d in reversed(rows) if d == Direction.inbound), None)
    text = "\n\n".join(str(m.get("text", "")) for m in messages if m.get("text"))
    files = [m["file"] for m in messages if m.get("file")]  # the admin's pictures (S3)
    if not text and files:
        names = ", ".join(f["filename"] for f in files)
        text = f"ไฟล์แนบ / attached: {names}"
    return [
        {
            "type": "email", "text": text, "subject": email_text.reply_subject(conv.subject),
            "messageId": make_msgid(domain=MSGID_DOMAIN), "inReplyTo": last_in,
            "references": references, "human": human, "files": files,
        }
    ]  # fmt: skip
