"""The admin inbox: conversations by SLA urgency, take / assign / close, replies.

Personal data (PDPA): the customer's id and name and the messages are shown in clear to
supervisors and admins, and to the agent who holds the conversation; others see them masked.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases.models import Case
from callcenter.chat import sends, service, survey
from callcenter.chat.errors import ConversationClosed, ConversationHeld
from callcenter.chat.models import (
    Attachment,
    Author,
    Conversation,
    Direction,
    Message,
    Send,
    SendStatus,
    State,
)
from callcenter.chat.schemas import AttachmentOut, ConversationDetail, ConversationOut, MessageOut
from callcenter.chat.sla import Rules as SlaRules
from callcenter.errors import InvalidInput, NotFound
from callcenter.privacy import mask_number
from callcenter.users.models import Role, User

OPEN = (State.bot.value, State.queued.value, State.assigned.value)


def sees_personal_data(user: User, conv: Conversation) -> bool:
    return user.role in (Role.supervisor, Role.admin) or conv.assigned_user_id == user.id


def _masked_text(text: str) -> str:
    return text[:1] + "***" if text else text


def _last_text(message: Message | None, clear: bool) -> str:
    return "" if message is None else _shown(message, clear)


def _shown(message: Message, clear: bool) -> str:
    """The customer's words are personal data; the bot's and admins' are not."""
    return (
        message.text if clear or message.author != Author.customer else _masked_text(message.text)
    )


async def listing(
    *, session: AsyncSession, user: User, states: Sequence[str], now: datetime
) -> list[ConversationOut]:
    """Conversations in `states`, the most urgent first (waiting for a first reply, the
    earliest stored due time first)."""
    stmt = (
        select(Conversation)
        .where(Conversation.state.in_(states))
        .order_by(
            Conversation.first_human_reply_at.is_not(None),
            Conversation.handed_off_at.is_(None),
            Conversation.reply_due_at,
            Conversation.last_customer_at,
            Conversation.id,
        )
        .limit(500)
    )
    rows = list((await session.scalars(stmt)).all())
    ids = [c.id for c in rows]
    last = await _last_messages(session, ids)
    failed = await _failed_sends(session, ids)
    return [
        _out(
            c, user=user, last=_last_text(last.get(c.id), sees_personal_data(user, c)),
            failed=failed.get(c.id, 0), now=now,
        )
        for c in rows
    ]  # fmt: skip


async def detail(
    *, session: AsyncSession, conv: Conversation, user: User, now: datetime
) -> ConversationDetail:
    stmt = (
        select(Message, Send)
        .outerjoin(Send, Send.id == Message.send_id)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.id)  # stored order: LINE's timestamps are whole ms
    )
    rows = (await session.execute(stmt)).all()
    clear = sees_personal_data(user, conv)
    files = await _attachments(session, [m.id for m, _ in rows]) if clear else {}
    messages = [
        MessageOut(
            id=m.id, direction=m.direction, author=m.author, author_user_id=m.author_user_id,
            kind=m.kind, text=_shown(m, clear),
            at=m.at, delivery=s.status if s else None, delivery_method=s.method if s else None,
            delivery_error=s.last_error if s and s.status == SendStatus.failed else "",
            attachments=files.get(m.id, []),
        )
        for m, s in rows
    ]  # fmt: skip
    failed = sum(1 for m in messages if m.delivery == SendStatus.failed)
    last = next((m.text for m in reversed(messages) if m.direction != Direction.internal), "")
    # `messages` are already masked for this reader
    base = _out(conv, user=user, last=last, failed=failed, now=now)
    return ConversationDetail(**base.model_dump(), messages=messages)


async def get(*, session: AsyncSession, conversation_id: int, lock: bool = False) -> Conversation:
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    found = await session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(
            f"ไม่พบการสนทนา {conversation_id} / no conversation {conversation_id}",
            conversation_id=conversation_id,
        )
    return found


async def take(
    *,
    session: AsyncSession,
    conv: Conversation,
    user_id: int,
    now: datetime,
    sla: SlaRules,
    force: bool = False,
) -> None:
    """Give the conversation to `user_id`; the bot goes silent (SLA clock starts if not yet)."""
    _open(conv)
    if conv.state == State.assigned and conv.assigned_user_id not in (user_id, None) and not force:
        raise ConversationHeld(
            "เจ้าหน้าที่อีกคนดูแลการสนทนานี้อยู่ / another admin holds this conversation",
            assigned_user_id=conv.assigned_user_id,
        )
    conv.state, conv.assigned_user_id = State.assigned.value, user_id
    await service.hand_off(
        session=session, conv=conv, author=Author.admin, user_id=user_id, now=now, sla=sla
    )


async def close(*, session: AsyncSession, conv: Conversation, user: User, now: datetime) -> None:
    _open(conv)
    await service.close(session=session, conv=conv, author=Author.admin, user_id=user.id, now=now)
    await survey.ask(session=session, conv=conv, now=now)


async def reply(
    *,
    session: AsyncSession,
    conv: Conversation,
    user: User,
    text: str,
    now: datetime,
    sla: SlaRules,
) -> Send:
    """The admin's text, queued for the idempotent sender (an unheld conversation is taken);
    the first one stops the SLA clock."""
    return await _admin_send(
        session=session, conv=conv, user=user, messages=[{"type": "text", "text": text}],
        now=now, sla=sla,
    )  # fmt: skip


def check_may_reply(conv: Conversation, user: User) -> None:
    """Open, and not held by another admin (supervisors may answer any)."""
    _open(conv)
    held_by_other = conv.assigned_user_id not in (None, user.id)
    if held_by_other and user.role not in (Role.supervisor, Role.admin):
        raise ConversationHeld(
            "เจ้าหน้าที่อีกคนดูแลการสนทนานี้อยู่ / another admin holds this conversation",
            assigned_user_id=conv.assigned_user_id,
        )


async def _admin_send(
    *, session: AsyncSession, conv: Conversation, user: User, messages: list[dict[str, Any]],
    now: datetime, sla: SlaRules,
) -> Send:  # fmt: skip
    check_may_reply(conv, user)
    if conv.state != State.assigned:
        await take(session=session, conv=conv, user_id=user.id, now=now, sla=sla)
    if conv.first_human_reply_at is None:
        conv.first_human_reply_at = now
    return await sends.queue_send(
        session=session, conv=conv, messages=messages, author=Author.admin, user_id=user.id,
        now=now,
    )  # fmt: skip


def _open(conv: Conversation) -> None:
    if conv.state == State.closed:
        raise ConversationClosed(
            "การสนทนานี้ปิดแล้ว / this conversation is closed", conversation_id=conv.id
        )


def _out(
    conv: Conversation, *, user: User, last: str, failed: int, now: datetime
) -> ConversationOut:
    clear = sees_personal_data(user, conv)
    due = conv.reply_due_at
    waiting_end = conv.first_human_reply_at or conv.closed_at or now
    waiting = (waiting_end - conv.handed_off_at).total_seconds() if conv.handed_off_at else None
    left = (due - now).total_seconds() if due and conv.first_human_reply_at is None else None
    return ConversationOut(
        id=conv.id, channel=conv.channel,
        customer_id=conv.customer_id if clear else mask_number(conv.customer_id),
        customer_name=conv.customer_name if clear else _masked_text(conv.customer_name),
        state=conv.state, lang=conv.lang, service_line=conv.service_line,
        assigned_user_id=conv.assigned_user_id, started_at=conv.started_at,
        handed_off_at=conv.handed_off_at, first_human_reply_at=conv.first_human_reply_at,
        closed_at=conv.closed_at, last_message=last,
        last_customer_at=conv.last_customer_at,
        waiting_s=waiting, reply_due_at=due, time_left_s=left, failed_sends=failed,
        case_id=conv.case_id, subject=conv.subject if clear else _masked_text(conv.subject),
    )  # fmt: skip


async def _last_messages(session: AsyncSession, ids: list[int]) -> dict[int, Message]:
    if not ids:
        return {}
    stmt = (
        select(Message)
        .where(Message.conversation_id.in_(ids), Message.direction != Direction.internal.value)
        .order_by(Message.conversation_id, Message.id.desc())
        .ext(distinct_on(Message.conversation_id))
    )
    return {m.conversation_id: m for m in (await session.scalars(stmt)).all()}


async def _failed_sends(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    stmt = (
        select(Send.conversation_id, func.count())
        .where(Send.conversation_id.in_(ids), Send.status == SendStatus.failed.value)
        .group_by(Send.conversation_id)
    )
    return {cid: n for cid, n in (await session.execute(stmt)).all()}


async def check_assignee(*, session: AsyncSession, user_id: int) -> None:
    """The user exists, is active and works the inbox."""
    found = await session.get(User, user_id)
    if found is None or not found.active or found.role == Role.qa:
        raise InvalidInput(
            f"ผู้ใช้ {user_id} รับการสนทนาไม่ได้ / user {user_id} cannot take conversations",
            user_id=user_id,
        )


async def _attachments(session: AsyncSession, ids: list[int]) -> dict[int, list[AttachmentOut]]:
    if not ids:
        return {}
    stmt = select(Attachment).where(Attachment.message_id.in_(ids)).order_by(Attachment.id)
    found: dict[int, list[AttachmentOut]] = {}
    for a in (await session.scalars(stmt)).all():
        found.setdefault(a.message_id, []).append(
            AttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)
        )
    return found


async def attachment(
    *, session: AsyncSession, conv: Conversation, user: User, attachment_id: int
) -> Attachment:
    """A file of the conversation, for those who see the customer's data."""
    found = await session.get(Attachment, attachment_id)
    message = await session.get(Message, found.message_id) if found is not None else None
    if found is None or message is None or message.conversation_id != conv.id:
        raise NotFound(
            f"ไม่พบไฟล์ {attachment_id} / no attachment {attachment_id} in conversation {conv.id}",
            attachment_id=attachment_id,
        )
    if not sees_personal_data(user, conv):
        raise ConversationHeld(
            "รับการสนทนาก่อนเปิดไฟล์ / take the conversation to open its files",
            assigned_user_id=conv.assigned_user_id,
        )
    return found


async def history(*, session: AsyncSession, conv: Conversation, user: User) -> dict[str, Any]:
    """The same person's other conversations (any channel) and cases (calls too): matched by
    the same LINE id / PSID / address, or by a phone number or e-mail address on their cases."""
    if not sees_personal_data(user, conv):
        raise ConversationHeld(
            "รับการสนทนาก่อนดูประวัติ / take the conversation to see the customer's history",
            assigned_user_id=conv.assigned_user_id,
        )
    same = select(Conversation).where(
        Conversation.channel == conv.channel, Conversation.customer_id == conv.customer_id
    )
    convs = {c.id: c for c in (await session.scalars(same)).all()}
    emails = {conv.customer_id.lower()} if conv.channel == "email" else set()
    case_ids = {c.case_id for c in convs.values() if c.case_id is not None}
    cases: dict[int, Case] = {}
    if case_ids:
        cases = {
            c.id: c
            for c in (await session.scalars(select(Case).where(Case.id.in_(case_ids)))).all()
        }
    phones = {c.caller_phone_norm for c in cases.values() if c.caller_phone_norm}
    emails |= {c.caller_email.lower() for c in cases.values() if c.caller_email}
    if phones or emails:
        stmt = select(Case).where(
            or_(Case.caller_phone_norm.in_(phones), func.lower(Case.caller_email).in_(emails))
        )
        cases |= {c.id: c for c in (await session.scalars(stmt.limit(200))).all()}
        linked = select(Conversation).where(
            or_(
                Conversation.case_id.in_(list(cases)),
                and_(Conversation.channel == "email", Conversation.customer_id.in_(emails)),
            )
        )
        convs |= {c.id: c for c in (await session.scalars(linked.limit(200))).all()}
    convs.pop(conv.id, None)
    return {
        "conversations": [
            {"id": c.id, "channel": c.channel, "customer_id": c.customer_id,
             "customer_name": c.customer_name, "state": c.state, "subject": c.subject,
             "started_at": c.started_at, "closed_at": c.closed_at, "case_id": c.case_id}
            for c in sorted(convs.values(), key=lambda c: c.started_at, reverse=True)
        ],
        "cases": [
            {"id": c.id, "number": c.number, "channel": c.channel, "status": c.status,
             "service_line": c.service_line, "created_at": c.created_at}
            for c in sorted(cases.values(), key=lambda c: c.created_at, reverse=True)
        ],
    }  # fmt: skip


async def unanswered_due(
    *, session: AsyncSession, until: datetime, limit: int = 500
) -> list[tuple[int, datetime]]:
    """(id, stored due time) of open conversations with no first reply yet, due by `until`,
    the earliest first."""
    stmt = (
        select(Conversation.id, Conversation.reply_due_at)
        .where(
            Conversation.state.in_(OPEN[1:]),
            Conversation.first_human_reply_at.is_(None),
            Conversation.reply_due_at <= until,
        )
        .order_by(Conversation.reply_due_at)
        .limit(limit)
    )
    return [(cid, due) for cid, due in (await session.execute(stmt)).all() if due is not None]


async def supervisor_view(*, session: AsyncSession, now: datetime) -> dict[str, Any]:
    """Every admin with their load and breaches, and the queue nobody holds yet.

    load: open conversations they hold; waiting: of those, not answered yet; breached: of
    those, past the first-reply SLA; late_24h: first replies of theirs in the last 24 hours
    that came after the SLA."""
    due = Conversation.reply_due_at
    open_rows = (
        await session.execute(
            select(Conversation.assigned_user_id, Conversation.first_human_reply_at, due).where(
                Conversation.state.in_(OPEN[1:])
            )
        )
    ).all()
    late_rows = (
        await session.execute(
            select(Conversation.assigned_user_id, func.count())
            .where(
                Conversation.first_human_reply_at >= now - timedelta(hours=24),
                Conversation.first_human_reply_at > due,
            )
            .group_by(Conversation.assigned_user_id)
        )
    ).all()
    late = {uid: n for uid, n in late_rows}
    admins = (
        await session.scalars(
            select(User)
            .where(User.active, User.role.in_((Role.agent, Role.supervisor, Role.admin)))
            .order_by(User.username)
        )
    ).all()
    figures: dict[int | None, dict[str, int]] = {}
    oldest: datetime | None = None
    for uid, replied, due_at in open_rows:
        f = figures.setdefault(uid, {"load": 0, "waiting": 0, "breached": 0})
        f["load"] += 1
        if replied is None and due_at is not None:
            f["waiting"] += 1
            f["breached"] += due_at < now
            if uid is None:
                oldest = min(oldest or due_at, due_at)
    queue = figures.get(None, {"load": 0, "waiting": 0, "breached": 0})
    return {
        "admins": [
            {"user_id": u.id, "username": u.username, "display_name": u.display_name,
             "role": u.role.value, **figures.get(u.id, {"load": 0, "waiting": 0, "breached": 0}),
             "late_24h": late.get(u.id, 0)}
            for u in admins
        ],
        "queue": {"unassigned": queue["load"], "breached": queue["breached"],
                  "earliest_due_at": oldest},
    }  # fmt: skip


REPLY_IMAGE_TYPES = ("image/jpeg", "image/png")
REPLY_IMAGE_MAX_BYTES = 1024 * 1024  # LINE's preview image limit: one picture serves both


def check_reply_image(
    conv: Conversation, content_type: str, size: int, *, email_max_bytes: int
) -> None:
    """JPEG or PNG; at most 1 MB to LINE and Messenger (they fetch it), at most
    `email_max_bytes` (chat_attachment_max_bytes) attached to an e-mail."""
    limit = email_max_bytes if conv.channel == sends.EMAIL else REPLY_IMAGE_MAX_BYTES
    if content_type not in REPLY_IMAGE_TYPES or not 0 < size <= limit:
        mb = f"{limit / (1024 * 1024):g}"
        raise InvalidInput(
            f"รูปต้องเป็น JPEG หรือ PNG ไม่เกิน {mb} MB / "
            f"the picture must be JPEG or PNG, at most {mb} MB",
            content_type=content_type, size=size, max_bytes=limit,
        )  # fmt: skip


async def reply_image(
    *, session: AsyncSession, conv: Conversation, user: User, bucket: str, key: str,
    content_type: str, size: int, public_url: str, now: datetime, sla: SlaRules,
) -> Attachment:  # fmt: skip
    """The admin's picture (stored by the caller at `key`), queued like a text reply: LINE
    and Messenger fetch it from /public/chat/images/{token}; an e-mail carries it as a MIME
    attachment, read from S3 when the mail is sent."""
    filename = key.rsplit("/", 1)[-1]
    token: str | None = None
    if conv.channel == sends.EMAIL:
        file = {"bucket": bucket, "key": key, "content_type": content_type, "size": size,
                "filename": filename}  # fmt: skip
        image: dict[str, Any] = {"type": "image", "file": file}
    else:
        token = secrets.token_urlsafe(24)
        url = f"{public_url.rstrip('/')}/public/chat/images/{token}"
        image = {"type": "image", "originalContentUrl": url, "previewImageUrl": url}
    send = await _admin_send(
        session=session, conv=conv, user=user, messages=[image], now=now, sla=sla
    )
    message_id = await session.scalar(select(Message.id).where(Message.send_id == send.id))
    assert message_id is not None  # queue_send wrote it
    found = Attachment(
        message_id=message_id, bucket=bucket, object_key=key, filename=filename,
        content_type=content_type, size=size, public_token=token,
    )  # fmt: skip
    session.add(found)
    return found


async def public_image(*, session: AsyncSession, token: str) -> Attachment | None:
    stmt = select(Attachment).where(Attachment.public_token == token)
    return await session.scalar(stmt)
