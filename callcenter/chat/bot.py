"""The bot in front of the admins: greeting, the service-line menu, hand-off. Pure: no I/O.

A turn takes the conversation's state and one customer action and says what to answer and
how the conversation changes. Thai by default, English on request. "Talk to an admin",
choosing a service line, or two turns the bot did not understand hand the conversation to
the admin queue; while it is queued or an admin holds it, the bot says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.chat.line_events import Inbound
from callcenter.ivrconf import CENTRE_TZ

HANDOFF_AFTER_FAILURES = 2
LABEL_MAX = 20  # LINE: an action label is at most 20 characters
ADMIN_WORDS = ("admin", "แอดมิน", "เจ้าหน้าที่", "คุยกับคน", "agent", "human")
POSTBACK_ADMIN, POSTBACK_LANG, POSTBACK_LINE = "admin", "lang=", "line="


@dataclass(frozen=True)
class LineChoice:
    """A service line as the menu offers it (the case taxonomy's active lines)."""

    code: str
    label_th: str
    label_en: str


@dataclass(frozen=True, kw_only=True)
class Seen:
    """What the bot knows of the conversation."""

    state: str  # callcenter.chat.models.State
    lang: str
    failures: int


@dataclass(kw_only=True)
class Turn:
    """The bot's answer (LINE message objects) and the conversation's new values."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    lang: str
    failures: int
    service_line: str | None = None
    handoff: bool = False


TEXT = {
    "greeting": {
        "th": "สวัสดีค่ะ ศูนย์รับเรื่องร้องเรียนออนไลน์ 1212 ยินดีให้บริการ "
        'กรุณาเลือกเรื่องที่ต้องการติดต่อ หรือพิมพ์ "แอดมิน" เพื่อคุยกับเจ้าหน้าที่',
        "en": "Hello, this is the 1212 online complaint centre. Choose what your enquiry is "
        'about, or type "admin" to talk to an admin.',
    },
    "not_understood": {
        "th": "ขออภัยค่ะ ระบบไม่เข้าใจข้อความ กรุณาเลือกจากเมนูด้านล่าง",
        "en": "Sorry, I did not understand. Please choose from the menu below.",
    },
    "handoff": {
        "th": "ส่งเรื่องให้เจ้าหน้าที่แล้วค่ะ เจ้าหน้าที่จะตอบกลับภายใน {minutes} นาที",
        "en": "An admin has your conversation and will reply within {minutes} minutes.",
    },
    # handed off out of business hours (callcenter/chat/sla.py): the reply's due time instead
    "handoff_later": {
        "th": "ส่งเรื่องให้เจ้าหน้าที่แล้วค่ะ ขณะนี้อยู่นอกเวลาทำการ เจ้าหน้าที่จะตอบกลับภายใน {when}",
        "en": "An admin has your conversation. We are closed now; an admin will reply by {when}.",
    },
    "line_chosen": {"th": "เรื่อง: {label}", "en": "Topic: {label}"},
    "admin_button": {"th": "คุยกับเจ้าหน้าที่", "en": "Talk to an admin"},
}


def turn(
    seen: Seen,
    action: Inbound,
    *,
    lines: list[LineChoice],
    sla_minutes: int,
    reply_by: datetime | None = None,
) -> Turn:
    """The bot's answer to one customer action; a hand-off tells the customer when to expect
    the reply: within `sla_minutes`, or by `reply_by` when that is later (out of hours)."""
    result = Turn(lang=seen.lang, failures=seen.failures)
    if seen.state in ("queued", "assigned") or action.kind == "unfollow":
        return result  # an admin has it (or the customer left): the bot stays silent
    if action.kind == "follow" or seen.state == "closed":
        result.failures = 0
        result.replies = [_menu(result.lang, lines, TEXT["greeting"][result.lang])]
        return result
    choice = _understand(action, lines)
    if choice is None:
        result.failures += 1
        if result.failures >= HANDOFF_AFTER_FAILURES:
            return _handoff(result, sla_minutes, reply_by)
        result.replies = [_menu(result.lang, lines, TEXT["not_understood"][result.lang])]
        return result
    what, value = choice
    if what == "lang":
        value = ("en" if seen.lang == "th" else "th") if value == "toggle" else value
        result.lang, result.failures = value, 0
        result.replies = [_menu(value, lines, TEXT["greeting"][value])]
        return result
    if what == "line":
        result.service_line = value
        label = next(_label(line, result.lang) for line in lines if line.code == value)
        result.replies = [_text(TEXT["line_chosen"][result.lang].format(label=label))]
    return _handoff(result, sla_minutes, reply_by)


def _understand(action: Inbound, lines: list[LineChoice]) -> tuple[str, str] | None:
    """("admin", ""), ("lang", "th"|"en"), ("line", code) — or None: not understood."""
    data = (action.postback or "").strip()
    if data == POSTBACK_ADMIN:
        return "admin", ""
    if data.startswith(POSTBACK_LANG) and data[len(POSTBACK_LANG) :] in ("th", "en", "toggle"):
        return "lang", data[len(POSTBACK_LANG) :]
    if data.startswith(POSTBACK_LINE):
        code = data[len(POSTBACK_LINE) :]
        return ("line", code) if any(line.code == code for line in lines) else None
    if action.kind != "text":
        return None
    said = action.text.strip().casefold()
    if any(word in said for word in ADMIN_WORDS):
        return "admin", ""
    if said in ("english", "en"):
        return "lang", "en"
    if said in ("ภาษาไทย", "ไทย", "thai"):
        return "lang", "th"
    for line in lines:
        if said in (line.label_th.casefold(), line.label_en.casefold(), line.code):
            return "line", line.code
    return None


def shown_as(data: str, lines: list[LineChoice], lang: str) -> str:
    """What the customer saw themselves send for a postback (its button's label)."""
    if data == POSTBACK_ADMIN:
        return TEXT["admin_button"][lang]
    if data == POSTBACK_LANG + "en":
        return "English"
    if data == POSTBACK_LANG + "th":
        return "ภาษาไทย"
    if data == POSTBACK_LANG + "toggle":
        return "English / ไทย"
    code = data[len(POSTBACK_LINE) :] if data.startswith(POSTBACK_LINE) else None
    line = next((x for x in lines if x.code == code), None)
    return _label(line, lang) if line else data


def _handoff(result: Turn, sla_minutes: int, reply_by: datetime | None) -> Turn:
    result.handoff, result.failures = True, 0
    if reply_by is None:
        said = TEXT["handoff"][result.lang].format(minutes=sla_minutes)
    else:
        said = TEXT["handoff_later"][result.lang].format(when=local_time(reply_by, result.lang))
    result.replies.append(_text(said))
    return result


def local_time(moment: datetime, lang: str) -> str:
    """Bangkok time for a customer: '14/12/2569 09:00 น.' (Buddhist Era) / '2026-12-14 09:00'."""
    when = moment.astimezone(CENTRE_TZ)
    if lang == "th":
        return f"{when.day}/{when.month}/{when.year + 543} {when:%H:%M} น."
    return f"{when:%Y-%m-%d %H:%M}"


def _label(line: LineChoice, lang: str) -> str:
    return line.label_th if lang == "th" else line.label_en


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _postback(label: str, data: str) -> dict[str, Any]:
    label = label[:LABEL_MAX]
    return {
        "type": "action",
        "action": {"type": "postback", "label": label, "data": data, "displayText": label},
    }


def _menu(lang: str, lines: list[LineChoice], text: str) -> dict[str, Any]:
    """`text` with the service lines, "talk to an admin" and the other language as quick replies."""
    items = [_postback(_label(line, lang), POSTBACK_LINE + line.code) for line in lines[:11]]
    items.append(_postback(TEXT["admin_button"][lang], POSTBACK_ADMIN))
    other = "en" if lang == "th" else "th"
    items.append(_postback("English" if other == "en" else "ภาษาไทย", POSTBACK_LANG + other))
    return {**_text(text), "quickReply": {"items": items}}


def plain_text(message: dict[str, Any]) -> str:
    """How a sent message reads in the inbox."""
    return str(message.get("text", f"[{message.get('type', '?')}]"))
