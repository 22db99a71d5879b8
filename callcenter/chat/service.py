"""Chat storage and rules: store webhook events, apply them, queue sends, admin actions.

Functions take the session keyword-only and never commit; callers own the transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases.models import ServiceLine
from callcenter.chat import bot, sends, survey
from callcenter.chat.flows import Flows
from callcenter.chat.line_events import Inbound
from callcenter.chat.models import (
    Author,
    Conversation,
    Direction,
    Message,
    State,
    WebhookEvent,
)
from callcenter.chat.sla import Rules as SlaRules

LINE, FACEBOOK = "line", sends.FACEBOOK


async def store_events(
    *,
    session: AsyncSession,
    channel: str,
    events: list[tuple[str, bool, dict[str, Any]]],
    now: datetime,
) -> int:
    """Store raw (event id, redelivery, event) once each (a known id is skipped); how many new."""
    if not events:
        return 0
    rows = [
        {
            "channel": channel, "event_id": event_id, "redelivery": redelivery, "body": body,
            "received_at": now, "error": "",
        }
        for event_id, redelivery, body in events
    ]  # fmt: skip
    stmt = insert(WebhookEvent).values(rows).on_conflict_do_nothing().returning(WebhookEvent.id)
    return len((await session.scalars(stmt)).all())


async def unprocessed(*, session: AsyncSession, limit: int) -> list[WebhookEvent]:
    """Events not yet applied, oldest first, locked for this worker."""
    stmt = (
        select(WebhookEvent)
        .where(WebhookEvent.processed_at.is_(None))
        .order_by(WebhookEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())


async def menu_lines(*, session: AsyncSession) -> list[bot.LineChoice]:
    """The case taxonomy's active service lines, in display order."""
    stmt = select(ServiceLine).where(ServiceLine.active).order_by(ServiceLine.sort)
    return [
        bot.LineChoice(line.code, line.label_th, line.label_en)
        for line in (await session.scalars(stmt)).all()
    ]


async def open_conversation(
    *, session: AsyncSession, channel: str, customer_id: str, now: datetime, create: bool = True
) -> Conversation | None:
    """The customer's open conversation on the channel, or a new one held by the bot."""
    stmt = (
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.customer_id == customer_id,
            Conversation.state != State.closed.value,
        )
        .with_for_update()
    )
    found = await session.scalar(stmt)
    if found is None and create:
        found = Conversation(
            channel=channel, customer_id=customer_id, customer_name="", lang="th",
            state=State.bot.value, bot_failures=0, started_at=now,
        )  # fmt: skip
        session.add(found)
        await session.flush()
    return found


async def apply_inbound(
    *,
    session: AsyncSession,
    channel: str,
    action: Inbound,
    event_row_id: int,
    reply_token_s: float,
    sla: SlaRules,
    now: datetime,
    survey_window_s: float = 86400.0,
    flows: Flows | None = None,
) -> Conversation | None:
    """Store the customer's action in their conversation and queue the bot's answer (or
    take it as the answer to their satisfaction questionnaire)."""
    if action.external_id is not None:
        seen = select(Message.id).where(
            Message.channel == channel, Message.external_id == action.external_id
        )
        if await session.scalar(seen) is not None:
            return None  # the same message under another event id: stored already
    rated = await survey.take_answer(
        session=session, channel=channel, action=action, event_row_id=event_row_id, now=now,
        window_s=survey_window_s,
    )  # fmt: skip
    if rated is not None:
        return rated
    conv = await open_conversation(
        session=session, channel=channel, customer_id=action.customer_id, now=now,
        create=action.kind != "unfollow",  # a customer who leaves opens nothing
    )  # fmt: skip
    if conv is None:
        return None
    lines = await menu_lines(session=session)
    _take_in(
        session, conv, action, lines=lines, event_row_id=event_row_id, reply_token_s=reply_token_s
    )
    if action.kind == "unfollow":  # blocked: nothing can reach them any more
        await close(session=session, conv=conv, author=Author.customer, user_id=None, now=now)
    else:
        await _bot_answers(session, conv, action, lines=lines, sla=sla, now=now, flows=flows)
    return conv


def _take_in(
    session: AsyncSession,
    conv: Conversation,
    action: Inbound,
    *,
    lines: list[bot.LineChoice],
    event_row_id: int,
    reply_token_s: float,
) -> None:
    """The customer's message in the conversation; their reply token kept for the answer."""
    text = bot.shown_as(action.postback, lines, conv.lang) if action.postback else action.text
    session.add(
        Message(
            conversation_id=conv.id, channel=conv.channel, direction=Direction.inbound.value,
            author=Author.customer.value, kind=action.kind, text=text,
            external_id=action.external_id, event_id=event_row_id, at=action.at,
        )
    )  # fmt: skip
    if action.kind not in ("follow", "unfollow"):
        conv.last_customer_at = action.at
    if action.reply_token:
        conv.reply_token = action.reply_token
        conv.reply_until = action.at + timedelta(seconds=reply_token_s)


async def _bot_answers(
    session: AsyncSession,
    conv: Conversation,
    action: Inbound,
    *,
    lines: list[bot.LineChoice],
    sla: SlaRules,
    now: datetime,
    flows: Flows | None = None,
) -> None:
    """The bot's turn: its answer queued, the conversation handed off when it says so; a
    guided flow (intake, tracking, FAQ) answers first when it takes the turn."""
    if flows is not None and conv.state == State.bot and action.kind not in ("follow", "unfollow"):
        replies = await flows.handle(session=session, conv=conv, action=action, now=now)
        if replies is not None:
            conv.bot_failures = 0
            await sends.queue_send(
                session=session, conv=conv, messages=replies, author=Author.bot,
                user_id=None, now=now,
            )  # fmt: skip
            return
    seen_by_bot = bot.Seen(state=conv.state, lang=conv.lang, failures=conv.bot_failures)
    target = timedelta(seconds=sla.target(conv.channel))
    due = sla.due(conv.channel, now)
    answer = bot.turn(
        seen_by_bot, action, lines=lines, sla_minutes=round(target.total_seconds() / 60),
        reply_by=due if due > now + target else None,  # out of hours: the time, not minutes
    )  # fmt: skip
    conv.lang, conv.bot_failures = answer.lang, answer.failures
    if answer.service_line:
        conv.service_line = answer.service_line
    if answer.handoff:
        conv.state = State.queued.value
        await hand_off(
            session=session, conv=conv, author=Author.bot, user_id=None, now=now, sla=sla
        )
    if answer.replies:
        await sends.queue_send(
            session=session, conv=conv, messages=answer.replies, author=Author.bot,
            user_id=None, now=now,
        )  # fmt: skip


async def note(
    *,
    session: AsyncSession,
    conv: Conversation,
    kind: str,
    author: Author,
    user_id: int | None,
    now: datetime,
) -> None:
    """A desk event in the conversation's messages (what chat-v1's recount reads)."""
    session.add(
        Message(
            conversation_id=conv.id, channel=conv.channel, direction=Direction.internal.value,
            author=author.value, author_user_id=user_id, kind=kind, text="", at=now,
        )
    )  # fmt: skip


async def hand_off(
    *,
    session: AsyncSession,
    conv: Conversation,
    author: Author,
    user_id: int | None,
    now: datetime,
    sla: SlaRules,
) -> None:
    """The admins have it from now: the first-reply SLA starts (once per conversation), due
    after the channel's target of open time; the due time is stored on the conversation and
    on the hand-off note."""
    if conv.handed_off_at is None:
        conv.handed_off_at = now
        conv.reply_due_at = sla.due(conv.channel, now)
        session.add(
            Message(
                conversation_id=conv.id, channel=conv.channel, direction=Direction.internal.value,
                author=author.value, author_user_id=user_id, kind="handoff", text="", at=now,
                due_at=conv.reply_due_at,
            )
        )  # fmt: skip


async def close(
    *,
    session: AsyncSession,
    conv: Conversation,
    author: Author,
    user_id: int | None,
    now: datetime,
) -> None:
    conv.state, conv.closed_at = State.closed.value, now
    conv.reply_token = conv.reply_until = None
    await note(session=session, conv=conv, kind="close", author=author, user_id=user_id, now=now)


async def nameless(*, session: AsyncSession, limit: int) -> list[Conversation]:
    """Open conversations whose customer's name was not looked up yet."""
    stmt = (
        select(Conversation)
        .where(Conversation.state != State.closed.value, Conversation.customer_name == "")
        .order_by(Conversation.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())
