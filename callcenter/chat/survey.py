"""The satisfaction questionnaire after an admin closes a conversation.

Asked once per conversation an admin answered: on LINE and Messenger a question with the
scores 1–5 as quick replies (postback `csat=N`; typing the digit works too), then an
optional comment (any text, or "no comment"); on e-mail a mail asking for a reply that
starts with the number, the rest of the reply being the comment. The customer's next
message answers it only while it is open (`chat_survey_window_s`, 24 h by default);
anything else ends it unanswered and goes to the bot as usual.

Functions take the session keyword-only and never commit; callers own the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.chat import sends
from callcenter.chat.line_events import Inbound
from callcenter.chat.models import (
    Author,
    Conversation,
    Direction,
    Message,
    Satisfaction,
)

ASKED, COMMENT, DONE = "asked", "comment", "done"
POSTBACK_SCORE, POSTBACK_SKIP = "csat=", "csat=skip"
DEFINITION = "chat-csat-v1"
SCORES = ("1", "2", "3", "4", "5")
_SCORE_TEXT = re.compile(r"^\s*([1-5])(?:\s*/\s*5)?(?!\d)(.*)$", re.S)

TEXT = {
    "question": {
        "th": "ขอบคุณที่ติดต่อศูนย์ 1212 ค่ะ กรุณาให้คะแนนความพึงพอใจ 1–5 (5 = พอใจมากที่สุด)",
        "en": "Thank you for contacting 1212. How satisfied are you, 1–5 (5 = very satisfied)?",
    },
    "comment": {
        "th": 'ขอบคุณสำหรับคะแนนค่ะ พิมพ์ความคิดเห็นเพิ่มเติมได้เลย หรือกด "ไม่มี"',
        "en": 'Thank you for your score. Type a comment if you like, or tap "No comment".',
    },
    "skip": {"th": "ไม่มี", "en": "No comment"},
    "thanks": {
        "th": "ขอบคุณสำหรับความคิดเห็นค่ะ",
        "en": "Thank you for your feedback.",
    },
}
EMAIL_QUESTION = (
    "ขอบคุณที่ติดต่อศูนย์ 1212 กรุณาตอบกลับอีเมลนี้ด้วยตัวเลข 1–5 (5 = พอใจมากที่สุด) "
    "และเขียนความคิดเห็นต่อท้ายได้\n\n"
    "Thank you for contacting 1212. Please reply to this mail with a number from 1 to 5 "
    "(5 = very satisfied), followed by a comment if you like."
)
EMAIL_THANKS = "ขอบคุณสำหรับความคิดเห็นค่ะ\nThank you for your feedback."


def score_of(action: Inbound) -> int | None:
    """The score in a quick reply (`csat=N`) or a message that is just the digit."""
    data = action.postback or ""
    if data.startswith(POSTBACK_SCORE) and data[len(POSTBACK_SCORE) :] in SCORES:
        return int(data[len(POSTBACK_SCORE) :])
    if action.kind == "text":
        found = _SCORE_TEXT.match(action.text)
        if found and not found.group(2).strip():
            return int(found.group(1))
    return None


def email_answer(text: str) -> tuple[int, str] | None:
    """(score, comment) of an e-mail answer that starts with the number, else None."""
    found = _SCORE_TEXT.match(text)
    if not found:
        return None
    return int(found.group(1)), found.group(2).strip(" \n.,:-")[:5000]


def question(lang: str) -> dict[str, Any]:
    items = [
        {"type": "action", "action": {"type": "postback", "label": "⭐" * n + f" {n}",
                                      "data": f"{POSTBACK_SCORE}{n}", "displayText": str(n)}}
        for n in range(5, 0, -1)
    ]  # fmt: skip
    return {"type": "text", "text": TEXT["question"][lang], "quickReply": {"items": items}}


def ask_comment(lang: str) -> dict[str, Any]:
    label = TEXT["skip"][lang]
    item = {"type": "action", "action": {"type": "postback", "label": label,
                                          "data": POSTBACK_SKIP, "displayText": label}}  # fmt: skip
    return {"type": "text", "text": TEXT["comment"][lang], "quickReply": {"items": [item]}}


async def ask(*, session: AsyncSession, conv: Conversation, now: datetime) -> Satisfaction | None:
    """Send the questionnaire of a conversation an admin answered (once), right after its close."""
    if conv.first_human_reply_at is None or conv.handed_off_at is None:
        return None  # no one answered: nothing to rate
    if await session.scalar(select(Satisfaction.id).where(Satisfaction.conversation_id == conv.id)):
        return None
    row = Satisfaction(
        conversation_id=conv.id, channel=conv.channel, customer_id=conv.customer_id,
        agent_user_id=conv.assigned_user_id, queue=conv.service_line, case_id=conv.case_id,
        lang=conv.lang, stage=ASKED, comment="", asked_at=now,
    )  # fmt: skip
    session.add(row)
    if conv.channel == sends.EMAIL:
        messages = [{"type": "text", "text": EMAIL_QUESTION}]
    else:
        messages = [question(conv.lang)]
    await sends.queue_send(
        session=session, conv=conv, messages=messages, author=Author.bot, user_id=None, now=now
    )
    return row


async def open_for(
    *, session: AsyncSession, channel: str, customer_id: str, now: datetime, window_s: float
) -> Satisfaction | None:
    """The customer's questionnaire still waiting for an answer on `channel`, if any."""
    stmt = (
        select(Satisfaction)
        .where(
            Satisfaction.channel == channel,
            Satisfaction.customer_id == customer_id,
            Satisfaction.stage != DONE,
            Satisfaction.asked_at > now - timedelta(seconds=window_s),
        )
        .order_by(Satisfaction.asked_at.desc())
        .limit(1)
        .with_for_update()
    )
    return await session.scalar(stmt)


async def take_answer(
    *,
    session: AsyncSession,
    channel: str,
    action: Inbound,
    event_row_id: int,
    now: datetime,
    window_s: float,
) -> Conversation | None:
    """The customer's message as their questionnaire answer (its conversation), or None: not one."""
    if action.kind in ("follow", "unfollow"):
        return None
    row = await open_for(
        session=session, channel=channel, customer_id=action.customer_id, now=now,
        window_s=window_s,
    )  # fmt: skip
    if row is None:
        return None
    conv = await session.get(Conversation, row.conversation_id)
    if conv is None:
        return None
    if row.stage == ASKED:
        score = score_of(action)
        if score is None:
            row.stage = DONE  # they moved on: unanswered, the message is a new enquiry
            return None
        row.score, row.answered_at, row.stage = score, now, COMMENT
        _store(session, conv, action, event_row_id, shown=str(score))
        reply = ask_comment(row.lang)
    elif action.postback == POSTBACK_SKIP or action.kind == "text":
        if action.kind == "text":
            row.comment = action.text[:5000]
        row.stage = DONE
        _store(session, conv, action, event_row_id, shown=action.text or TEXT["skip"][row.lang])
        reply = {"type": "text", "text": TEXT["thanks"][row.lang]}
    else:
        row.stage = DONE  # another button: the comment is skipped, the bot has it
        return None
    await sends.queue_send(
        session=session, conv=conv, messages=[reply], author=Author.bot, user_id=None, now=now
    )
    return conv


async def take_email_answer(
    *, session: AsyncSession, conv: Conversation, text: str, now: datetime, window_s: float
) -> bool:
    """A reply in a closed thread as its questionnaire's answer (thanked); False: not one."""
    stmt = select(Satisfaction).where(
        Satisfaction.conversation_id == conv.id,
        Satisfaction.stage != DONE,
        Satisfaction.asked_at > now - timedelta(seconds=window_s),
    )
    row = await session.scalar(stmt.with_for_update())
    answer = email_answer(text) if row is not None else None
    if row is None or answer is None:
        return False
    row.score, row.comment = answer
    row.answered_at, row.stage = now, DONE
    await sends.queue_send(
        session=session, conv=conv, messages=[{"type": "text", "text": EMAIL_THANKS}],
        author=Author.bot, user_id=None, now=now,
    )  # fmt: skip
    return True


def _store(
    session: AsyncSession, conv: Conversation, action: Inbound, event_row_id: int, *, shown: str
) -> None:
    session.add(
        Message(
            conversation_id=conv.id, channel=conv.channel, direction=Direction.inbound.value,
            author=Author.customer.value, kind="csat", text=shown,
            external_id=action.external_id, event_id=event_row_id, at=action.at,
        )
    )  # fmt: skip


def summary(rows: Iterable[Satisfaction]) -> dict[str, Any]:
    """Asked, answered, response rate, average and the scores' spread."""
    asked = answered = total = 0
    spread = dict.fromkeys(range(1, 6), 0)
    for r in rows:
        asked += 1
        if r.score is not None:
            answered += 1
            total += r.score
            spread[r.score] += 1
    return {
        "csat_asked": asked,
        "csat_answered": answered,
        "csat_response_pct": round(answered / asked * 100, 1) if asked else None,
        "csat_avg": round(total / answered, 2) if answered else None,
        "csat_scores": {str(k): v for k, v in spread.items()},
    }


async def report(*, session: AsyncSession, start: datetime, end: datetime) -> dict[str, Any]:
    """chat-csat-v1 of the questionnaires asked in [start, end): all, per channel, per admin,
    and the answered rows in the shape the voice CSAT shares (channel, agent, queue, case)."""
    stmt = (
        select(Satisfaction)
        .where(Satisfaction.asked_at >= start, Satisfaction.asked_at < end)
        .order_by(Satisfaction.asked_at, Satisfaction.id)
    )
    rows = list((await session.scalars(stmt)).all())
    channels = sorted({r.channel for r in rows})
    agents = sorted({r.agent_user_id for r in rows if r.agent_user_id is not None})
    return {
        "definition": DEFINITION,
        "total": summary(rows),
        "channels": {c: summary(r for r in rows if r.channel == c) for c in channels},
        "agents": {str(a): summary(r for r in rows if r.agent_user_id == a) for a in agents},
        "answers": [
            {
                "channel": r.channel, "conversation_id": r.conversation_id,
                "agent_user_id": r.agent_user_id, "queue": r.queue, "case_id": r.case_id,
                "score": r.score, "comment": r.comment, "answered_at": r.answered_at,
            }
            for r in rows
            if r.score is not None
        ],
    }  # fmt: skip
