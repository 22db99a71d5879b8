"""A complaint case opened from a chat conversation, pre-filled from it (cross-domain flow)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import service as case_service
from callcenter.cases.models import Case, Channel
from callcenter.cases.schemas import CaseCreate
from callcenter.chat.errors import ConversationHasCase, ConversationHeld
from callcenter.chat.models import Author, Conversation, Direction, Message
from callcenter.chat.schemas import ChatCaseIn
from callcenter.errors import InvalidInput
from callcenter.users.models import Role, User


async def open_case(
    *, session: AsyncSession, conv: Conversation, user: User, case_in: ChatCaseIn
) -> Case:
    """The conversation's case (one per conversation), created by and assigned to `user`."""
    if conv.case_id is not None:
        raise ConversationHasCase(
            "การสนทนานี้มีเรื่องร้องเรียนแล้ว / this conversation already has a case",
            case_id=conv.case_id,
        )
    if conv.assigned_user_id != user.id and user.role not in (Role.supervisor, Role.admin):
        raise ConversationHeld(
            "รับการสนทนาก่อนเปิดเรื่อง / take the conversation before opening its case",
            assigned_user_id=conv.assigned_user_id,
        )
    line = case_in.service_line or conv.service_line
    if not line:
        raise InvalidInput(
            "เลือกประเภทบริการ / choose the service line (the customer did not)",
            field="service_line",
        )
    fields = case_in.model_dump(exclude={"service_line"}, exclude_none=True)
    fields.setdefault("caller_name", "" if conv.customer_name == "?" else conv.customer_name)
    fields.setdefault("description", await _customer_words(session, conv.id))
    body = CaseCreate(channel=Channel(conv.channel), service_line=line, **fields)
    case = await case_service.create(session=session, case_in=body, user=user)
    conv.case_id = case.id
    return case


async def _customer_words(session: AsyncSession, conversation_id: int) -> str:
    """What the customer wrote, one message a line (stickers and images as their labels)."""
    stmt = (
        select(Message.text)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.inbound.value,
            Message.author == Author.customer.value,
            Message.kind.not_in(("follow", "unfollow")),
        )
        .order_by(Message.id)
    )
    return "\n".join(t for t in (await session.scalars(stmt)).all() if t)[:20000]
