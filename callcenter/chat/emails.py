"""The e-mail channel's rules: a stored mail into its thread's conversation; the answer's headers.

A mail that answers a Message-ID the desk stored (In-Reply-To, References) joins that
thread's conversation while it is open; any other mail starts a conversation of its own,
straight in the admin queue (no bot on e-mail): its first-reply SLA (24 h by default) runs
from the moment the desk received it. Functions take the session keyword-only and never
commit; callers own the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.chat import attachments, email_text, sends, service, survey
from callcenter.chat.models import (
    Author,
    Conversation,
    Direction,
    Message,
    State,
    WebhookEvent,
)
from callcenter.chat.sla import Rules as SlaRules

EMAIL = sends.EMAIL


def event_body(
    mail: email_text.Mail,
    *,
    key: str,
    kept: list[dict[str, Any]],
    refused: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the desk stores of a fetched mail (JSON; the files themselves are in S3)."""
    return {
        "key": key, "message_id": mail.message_id, "in_reply_to": mail.in_reply_to,
        "references": mail.references, "from": mail.sender, "name": mail.sender_name,
        "subject": mail.subject, "date": mail.date.isoformat() if mail.date else None,
        "text": mail.text, "files": kept, "refused": refused,
    }  # fmt: skip


async def thread_of(*, session: AsyncSession, ids: list[str]) -> Conversation | None:
    """The conversation of the nearest stored Message-ID among `ids` (open or closed)."""
    if not ids:
        return None
    stmt = select(Message.conversation_id, Message.external_id).where(
        Message.channel == EMAIL, Message.external_id.in_(ids)
    )
    found = {mid: cid for cid, mid in (await session.execute(stmt)).all()}
    for mid in ids:
        if mid in found:
            return await session.get(Conversation, found[mid], with_for_update=True)
    return None


async def apply_mail(
    *,
    session: AsyncSession,
    row: WebhookEvent,
    now: datetime,
    survey_window_s: float,
    sla: SlaRules,
) -> Conversation | None:
    """Store the mail of `row` in its thread (a new conversation if none, or if the thread is
    closed; unless the mail answers the closed thread's questionnaire); None when known."""
    body = row.body
    seen = select(Message.id).where(
        Message.channel == EMAIL, Message.external_id == body["message_id"]
    )
    if await session.scalar(seen) is not None:
        return None
    thread_ids = [*body["in_reply_to"], *reversed(body["references"])]
    conv = await thread_of(session=session, ids=thread_ids)
    received = row.received_at
    text = email_text.strip_quoted(body["text"])
    kind = "email"
    if conv is not None and conv.state == State.closed:
        rated = await survey.take_email_answer(
            session=session, conv=conv, text=text, now=now, window_s=survey_window_s
        )
        conv, kind = (conv, "csat") if rated else (None, kind)
    if conv is None:
        conv = Conversation(
            channel=EMAIL, customer_id=body["from"][:128], customer_name=body["name"][:255] or "?",
            lang="th", state=State.queued.value, bot_failures=0, started_at=received,
            subject=body["subject"],
        )  # fmt: skip
        session.add(conv)
        await session.flush()
        # no bot on e-mail: the admins have it, and its SLA runs, from receipt
        await service.hand_off(
            session=session, conv=conv, author=Author.customer, user_id=None, now=received,
            sla=sla,
        )  # fmt: skip
    for refused in body["refused"]:
        text += f"\n[ไฟล์ไม่รับ / attachment refused: {refused['filename']} ({refused['why']})]"
    message = Message(
        conversation_id=conv.id, channel=EMAIL, direction=Direction.inbound.value,
        author=Author.customer.value, kind=kind, text=text.strip(),
        external_id=body["message_id"], event_id=row.id, at=received,
    )  # fmt: skip
    session.add(message)
    await session.flush()
    await attachments.record(session=session, message_id=message.id, kept=body["files"])
    if kind == "email":
        conv.last_customer_at = received
    return conv
