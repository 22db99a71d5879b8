"""The bot's guided flows, in Thai and English: complaint intake, "track my complaint", FAQ.

- **Intake** (postback `intake`, the rich menu, or "ร้องเรียน"/"complaint"): name, phone,
  e-mail (optional), national ID (optional), service line and category (the case taxonomy,
  as quick replies), description, shop, platform, URL (optional each), amount lost
  (optional), evidence pictures (sent into the chat, then "done"), then a summary to
  confirm. Confirmed, it opens a case (cases' rules and audit, by the inactive system
  account `chat-bot`, left unassigned for the case team) linked to the conversation, and
  tells the customer its number. "ยกเลิก"/"cancel" stops at any step; "ข้าม"/"skip" passes an
  optional one.
- **Track** (`track`): asks for a case number and answers its status and last change only
  (no personal data: anyone holding a number learns no more than that).
- **FAQ** (`faq`, `faq=<id>`, or a question's keywords): answers from data/faq.toml.

The flow's place is kept on the conversation (`bot_flow`). Functions take the session
keyword-only and never commit.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import audit as case_audit
from callcenter.cases import service as case_service
from callcenter.cases.models import Attachment as CaseAttachment
from callcenter.cases.models import Case, Category, Channel, ServiceLine
from callcenter.cases.schemas import CaseCreate, CaseUpdate
from callcenter.chat.line_events import Inbound
from callcenter.chat.models import Attachment, Conversation, Direction, Message
from callcenter.users.models import Role, User

FAQ_FILE = Path(__file__).parent / "data" / "faq.toml"
BOT_USERNAME = "chat-bot"
LABEL_MAX = 20
CANCEL = ("ยกเลิก", "cancel")
SKIP = ("ข้าม", "skip", "-", "ไม่มี", "none")
START = {
    "intake": ("ร้องเรียน", "complaint", "file a complaint", "แจ้งเรื่อง"),
    "track": ("ติดตามเรื่อง", "track", "track my complaint", "ติดตาม"),
    "faq": ("คำถามที่พบบ่อย", "faq", "คำถาม"),
}
PLATFORMS = ("Facebook", "Shopee", "Lazada", "TikTok", "LINE", "Instagram")
STEPS = (
    "name", "phone", "email", "national_id", "service_line", "category", "description",
    "shop", "platform", "url", "amount", "evidence", "confirm",
)  # fmt: skip
OPTIONAL = frozenset({"email", "national_id", "category", "shop", "platform", "url", "amount"})
_NUMBER = re.compile(r"^\s*(1212-\d{8}-\d{6})\s*$")
BANGKOK = ZoneInfo("Asia/Bangkok")

T: dict[str, dict[str, str]] = {
    "name": {"th": "ขอชื่อ-นามสกุลของผู้ร้องเรียนค่ะ", "en": "Your full name, please."},
    "phone": {"th": "ขอเบอร์โทรศัพท์ที่ติดต่อได้ค่ะ", "en": "A phone number we can call you on."},
    "email": {"th": 'อีเมล (ถ้าไม่มี กด "ข้าม")', "en": 'Your e-mail (or tap "Skip").'},
    "national_id": {
        "th": 'เลขประจำตัวประชาชน 13 หลัก (ไม่บังคับ กด "ข้าม" ได้)',
        "en": 'Your 13-digit national ID number (optional: tap "Skip").',
    },
    "service_line": {"th": "เรื่องที่ร้องเรียนเกี่ยวกับอะไรคะ", "en": "What is the complaint about?"},
    "category": {"th": "เลือกประเภทย่อยค่ะ", "en": "Choose the kind of problem."},
    "description": {
        "th": "เล่าเหตุการณ์โดยย่อค่ะ (เกิดอะไรขึ้น เมื่อไร)",
        "en": "Tell us briefly what happened, and when.",
    },
    "shop": {"th": "ชื่อร้านค้า/ผู้ขาย (ถ้ามี)", "en": "The shop's or seller's name (if any)."},
    "platform": {"th": "ซื้อขาย/พบผ่านแพลตฟอร์มใด", "en": "Which platform was it on?"},
    "url": {"th": "ลิงก์ของร้านหรือโพสต์ (ถ้ามี)", "en": "A link to the shop or post (if any)."},
    "amount": {"th": 'มูลค่าความเสียหาย (บาท) ถ้าไม่มี กด "ข้าม"', "en": "Amount lost in baht (or Skip)."},
    "evidence": {
        "th": 'ส่งรูปหลักฐาน (สลิป หน้าร้าน แชต) ได้เลยค่ะ ส่งครบแล้วกด "เสร็จ"',
        "en": 'Send pictures of your evidence (slip, shop, chat), then tap "Done".',
    },
    "confirm": {"th": "ตรวจสอบข้อมูลค่ะ\n{summary}", "en": "Please check:\n{summary}"},
    "created": {
        "th": 'รับเรื่องแล้วค่ะ เลขที่เรื่อง {number} ใช้เลขนี้ติดตามเรื่องได้ที่เมนู "ติดตามเรื่อง"',
        "en": 'Your complaint is filed: number {number}. Use it with "Track my complaint".',
    },
    "cancelled": {"th": "ยกเลิกการร้องเรียนแล้วค่ะ", "en": "The complaint was cancelled."},
    "bad_phone": {
        "th": "เบอร์โทรไม่ถูกต้อง กรุณาพิมพ์ใหม่ค่ะ",
        "en": "That phone number does not look right; again, please.",
    },
    "bad_email": {"th": "อีเมลไม่ถูกต้องค่ะ", "en": "That e-mail address does not look right."},
    "bad_id": {"th": "เลขประจำตัวต้องมี 13 หลักค่ะ", "en": "A national ID number has 13 digits."},
    "bad_url": {
        "th": "ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https://",
        "en": "A link starts with http:// or https://.",
    },
    "bad_amount": {"th": "กรุณาพิมพ์จำนวนเงินเป็นตัวเลขค่ะ", "en": "Please type the amount as a number."},
    "bad_choice": {"th": "กรุณาเลือกจากปุ่มด้านล่างค่ะ", "en": "Please choose one of the buttons."},
    "required": {"th": "ข้อนี้จำเป็นค่ะ", "en": "This one is needed."},
    "got_picture": {"th": "ได้รับรูปแล้ว {n} รูป", "en": "{n} picture(s) received."},
    "track_ask": {
        "th": "พิมพ์เลขที่เรื่อง เช่น 1212-25691208-000123",
        "en": "Type your case number, e.g. 1212-20261208-000123.",
    },
    "track_none": {"th": "ไม่พบเลขที่เรื่อง {number} ค่ะ", "en": "There is no case {number}."},
    "track_found": {
        "th": "เรื่อง {number}: {status} (ปรับปรุงล่าสุด {at})",
        "en": "Case {number}: {status} (last change {at}).",
    },
    "faq_menu": {"th": "เลือกคำถามที่ต้องการค่ะ", "en": "Choose a question."},
    "skip": {"th": "ข้าม", "en": "Skip"},
    "done": {"th": "เสร็จ", "en": "Done"},
    "confirm_yes": {"th": "ยืนยัน", "en": "Confirm"},
    "cancel": {"th": "ยกเลิก", "en": "Cancel"},
}
STATUS = {
    "new": ("รับเรื่องแล้ว", "received"), "in_progress": ("กำลังดำเนินการ", "in progress"),
    "referred": ("ส่งต่อหน่วยงานแล้ว", "referred to an agency"),
    "waiting_for_caller": ("รอข้อมูลจากผู้ร้อง", "waiting for your information"),
    "resolved": ("ดำเนินการเสร็จแล้ว", "resolved"), "closed": ("ปิดเรื่องแล้ว", "closed"),
}  # fmt: skip
SUMMARY = {
    "name": ("ชื่อ", "Name"), "phone": ("โทร", "Phone"), "email": ("อีเมล", "E-mail"),
    "national_id": ("เลขประจำตัว", "National ID"), "service_line": ("เรื่อง", "About"),
    "category": ("ประเภท", "Kind"), "description": ("รายละเอียด", "What happened"),
    "shop": ("ร้าน", "Shop"), "platform": ("แพลตฟอร์ม", "Platform"), "url": ("ลิงก์", "Link"),
    "amount": ("ความเสียหาย (บาท)", "Amount lost (THB)"), "evidence": ("รูปหลักฐาน", "Pictures"),
}  # fmt: skip


@dataclass(frozen=True)
class Faq:
    id: str
    label: dict[str, str]
    answer: dict[str, str]
    keywords: tuple[str, ...]


def load_faq(path: Path = FAQ_FILE) -> list[Faq]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Faq(
            f["id"], {"th": f["label_th"][:LABEL_MAX], "en": f["label_en"][:LABEL_MAX]},
            {"th": f["answer_th"], "en": f["answer_en"]},
            tuple(k.casefold() for k in f.get("keywords", [])),
        )
        for f in raw.get("faq", [])
    ]  # fmt: skip


def _text(text: str, quick: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "text", "text": text[:5000]}
    if quick:
        message["quickReply"] = {
            "items": [
                {"type": "action", "action": {"type": "postback", "label": label[:LABEL_MAX],
                                              "data": data, "displayText": label[:LABEL_MAX]}}
                for label, data in quick[:13]
            ]
        }  # fmt: skip
    return message


class Flows:
    """The flows with their configuration (the FAQ); `handle` is one customer turn."""

    def __init__(self, faq: list[Faq] | None = None) -> None:
        self.faq = faq if faq is not None else load_faq()

    async def handle(
        self, *, session: AsyncSession, conv: Conversation, action: Inbound, now: datetime
    ) -> list[dict[str, Any]] | None:
        """The bot's answer when a flow takes this turn; None: the menu bot answers."""
        lang = conv.lang
        data = (action.postback or "").strip()
        said = action.text.strip() if action.kind == "text" else ""
        words = said.casefold()
        flow = conv.bot_flow or {}
        if data == "admin" or data.startswith("lang="):
            conv.bot_flow = None  # the menu bot hands off or switches language
            return None
        for name, starts in START.items():
            if data == name or (words in starts and not flow):
                return await self._start(session, conv, name)
        if data.startswith("faq="):
            found = next((f for f in self.faq if f.id == data[4:]), None)
            return [_text(found.answer[lang])] if found else None
        if flow.get("flow") == "intake":
            return await self._intake(session, conv, action, data, said, now)
        if flow.get("flow") == "track" and said:
            conv.bot_flow = None
            return [await self._track(session, said, lang)]
        if said and not flow:
            found = next((f for f in self.faq if any(k in words for k in f.keywords)), None)
            if found is not None:
                return [_text(found.answer[lang])]
        return None

    async def _start(
        self, session: AsyncSession, conv: Conversation, name: str
    ) -> list[dict[str, Any]]:
        lang = conv.lang
        if name == "faq":
            conv.bot_flow = None
            return [_text(T["faq_menu"][lang], [(f.label[lang], f"faq={f.id}") for f in self.faq])]
        if name == "track":
            conv.bot_flow = {"flow": "track"}
            return [_text(T["track_ask"][lang])]
        conv.bot_flow = {"flow": "intake", "step": "name", "answers": {}, "pictures": 0}
        return [await self._ask(session, conv, "name")]

    async def _ask(self, session: AsyncSession, conv: Conversation, step: str) -> dict[str, Any]:
        lang = conv.lang
        skip = [(T["skip"][lang], "intake=skip")] if step in OPTIONAL else []
        cancel = [(T["cancel"][lang], "intake=cancel")]
        if step == "service_line":
            lines = (await session.scalars(
                select(ServiceLine).where(ServiceLine.active).order_by(ServiceLine.sort)
            )).all()  # fmt: skip
            choices = [
                (_label(x.label_th, x.label_en, lang), f"intake=line:{x.code}") for x in lines
            ]
            return _text(T[step][lang], choices[:12] + cancel)
        if step == "category":
            answers = (conv.bot_flow or {}).get("answers", {})
            cats = (await session.scalars(
                select(Category).where(
                    Category.service_line == answers.get("service_line"), Category.active
                ).order_by(Category.sort)
            )).all()  # fmt: skip
            choices = [(_label(c.label_th, c.label_en, lang), f"intake=cat:{c.code}") for c in cats]
            return _text(T[step][lang], choices[:11] + skip + cancel)
        if step == "platform":
            return _text(T[step][lang], [(p, f"intake=platform:{p}") for p in PLATFORMS] + skip)
        if step == "evidence":
            return _text(T[step][lang], [(T["done"][lang], "intake=done"), *cancel])
        if step == "confirm":
            summary = self._summary(conv, lang)
            return _text(
                T[step][lang].format(summary=summary),
                [(T["confirm_yes"][lang], "intake=confirm"), (T["cancel"][lang], "intake=cancel")],
            )
        return _text(T[step][lang], skip + cancel)

    def _summary(self, conv: Conversation, lang: str) -> str:
        flow = conv.bot_flow or {}
        answers = dict(flow.get("answers", {}))
        answers["evidence"] = str(flow.get("pictures", 0))
        i = 0 if lang == "th" else 1
        return "\n".join(f"{SUMMARY[k][i]}: {v}" for k, v in answers.items() if v and k in SUMMARY)

    async def _intake(
        self, session: AsyncSession, conv: Conversation, action: Inbound, data: str, said: str,
        now: datetime,
    ) -> list[dict[str, Any]] | None:  # fmt: skip
        lang = conv.lang
        flow = dict(conv.bot_flow or {})
        step = flow["step"]
        answers = dict(flow.get("answers", {}))
        if data == "intake=cancel" or said.casefold() in CANCEL:
            conv.bot_flow = None
            return [_text(T["cancelled"][lang])]
        skipped = data == "intake=skip" or (said.casefold() in SKIP and step in OPTIONAL)
        if step == "evidence":
            if action.kind == "image":
                flow["pictures"] = int(flow.get("pictures", 0)) + 1
                conv.bot_flow = flow
                return [_text(T["got_picture"][lang].format(n=flow["pictures"]))]
            if data != "intake=done" and said.casefold() not in ("เสร็จ", "done"):
                return [await self._ask(session, conv, step)]
        elif step == "confirm":
            if data != "intake=confirm" and said.casefold() not in ("ยืนยัน", "confirm"):
                return [await self._ask(session, conv, step)]
            case = await self._open_case(session, conv, answers, int(flow.get("pictures", 0)), now)
            conv.bot_flow = None
            return [_text(T["created"][lang].format(number=case.number))]
        elif skipped and step in OPTIONAL:
            answers[step] = ""
        else:
            value, problem = await _value(session, step, data, said, answers)
            if problem is not None:
                return [_text(T[problem][lang]), await self._ask(session, conv, step)]
            answers[step] = value
        following = STEPS[STEPS.index(step) + 1]
        conv.bot_flow = {**flow, "step": following, "answers": answers}
        return [await self._ask(session, conv, following)]

    async def _track(self, session: AsyncSession, said: str, lang: str) -> dict[str, Any]:
        found = _NUMBER.match(said)
        number = found.group(1) if found else said[:32]
        case = await session.scalar(select(Case).where(Case.number == number)) if found else None
        if case is None:
            return _text(T["track_none"][lang].format(number=number))
        th, en = STATUS.get(case.status, (case.status, case.status))
        when = case.updated_at.astimezone(BANGKOK)
        at = (
            f"{when.day}/{when.month}/{when.year + 543} {when:%H:%M}"  # Buddhist Era in Thai
            if lang == "th"
            else f"{when:%Y-%m-%d %H:%M}"
        )
        return _text(
            T["track_found"][lang].format(number=number, status=th if lang == "th" else en, at=at)
        )

    async def _open_case(
        self, session: AsyncSession, conv: Conversation, answers: dict[str, str], pictures: int,
        now: datetime,
    ) -> Case:  # fmt: skip
        bot = await bot_user(session)
        description = answers.get("description", "")
        if pictures:
            description += (
                f"\n\n[รูปหลักฐาน {pictures} รูปในแชต / {pictures} evidence picture(s) "
                f"in chat conversation {conv.id}]"
            )
        amount = Decimal(answers["amount"]) if answers.get("amount") else None
        body = CaseCreate(
            channel=Channel(conv.channel) if conv.channel in Channel.__members__ else Channel.web,
            service_line=answers["service_line"], category=answers.get("category") or None,
            caller_name=answers.get("name"), caller_phone=answers.get("phone"),
            caller_email=answers.get("email") or None,
            caller_national_id=answers.get("national_id") or None, description=description,
            shop_name=answers.get("shop") or None, platform=answers.get("platform") or None,
            url=answers.get("url") or None, amount_lost=amount,
        )  # fmt: skip
        case = await case_service.create(session=session, case_in=body, user=bot, now=now)
        # the case team assigns it: not left on the bot's account
        unassign = CaseUpdate.model_validate({"assigned_user_id": None})
        await case_service.update(session=session, case=case, changes=unassign, user=bot, now=now)
        await _evidence(session, conv, case, bot, now)
        if conv.case_id is None:
            conv.case_id = case.id
        return case


async def _value(
    session: AsyncSession, step: str, data: str, said: str, answers: dict[str, str]
) -> tuple[str, str | None]:
    """The answer to `step` as stored, or a problem's text key."""
    if step == "service_line":
        code = data.removeprefix("intake=line:") if data.startswith("intake=line:") else ""
        line = await session.get(ServiceLine, code) if code else None
        return (code, None) if line is not None and line.active else ("", "bad_choice")
    if step == "category":
        code = data.removeprefix("intake=cat:") if data.startswith("intake=cat:") else ""
        found = await session.scalar(
            select(Category.id).where(
                Category.service_line == answers.get("service_line"), Category.code == code
            )
        )
        return (code, None) if found is not None else ("", "bad_choice")
    if step == "platform" and data.startswith("intake=platform:"):
        return data.removeprefix("intake=platform:"), None
    if not said:
        return "", "required"
    if step == "phone":
        digits = re.sub(r"\D", "", said)
        digits = "0" + digits[2:] if digits.startswith("66") and len(digits) == 11 else digits
        return (digits, None) if re.fullmatch(r"0\d{8,9}", digits) else ("", "bad_phone")
    if step == "email":
        return (
            (said, None) if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", said) else ("", "bad_email")
        )
    if step == "national_id":
        digits = re.sub(r"[\s-]", "", said)
        return (digits, None) if re.fullmatch(r"\d{13}", digits) else ("", "bad_id")
    if step == "url":
        return (said, None) if re.match(r"https?://\S+$", said) else ("", "bad_url")
    if step == "amount":
        try:
            amount = Decimal(said.replace(",", "").replace("บาท", "").strip())
        except InvalidOperation:
            return "", "bad_amount"
        return (str(amount), None) if amount >= 0 else ("", "bad_amount")
    limits = {"name": 255, "description": 20000, "shop": 255, "platform": 255}
    return said[: limits.get(step, 255)], None


def _label(th: str, en: str, lang: str) -> str:
    return (th if lang == "th" else en)[:LABEL_MAX]


async def bot_user(session: AsyncSession) -> User:
    """The chat bot's own account: it opens the intake's cases; inactive, it cannot sign in."""
    found = await session.scalar(select(User).where(User.username == BOT_USERNAME))
    if found is None:
        found = User(
            username=BOT_USERNAME, display_name="แชตบอต 1212 / 1212 chat bot",
            role=Role.supervisor, password_hash="!", active=False,  # noqa: S106 (no password)
        )  # fmt: skip
        session.add(found)
        await session.flush()
    return found


async def _evidence(
    session: AsyncSession, conv: Conversation, case: Case, bot: User, now: datetime
) -> None:
    """The customer's pictures kept from the conversation become the case's attachments
    (the same stored objects), each in the case's audit trail like an upload."""
    stmt = (
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .where(Message.conversation_id == conv.id, Message.direction == Direction.inbound.value)
        .order_by(Attachment.id)
    )
    for kept in (await session.scalars(stmt)).all():
        copy = CaseAttachment(
            case_id=case.id, bucket=kept.bucket, object_key=kept.object_key,
            filename=kept.filename, content_type=kept.content_type, size=kept.size,
            uploaded_by_user_id=bot.id, uploaded_at=now,
        )  # fmt: skip
        session.add(copy)
        await session.flush()
        case_audit.record(
            session=session, case_id=case.id, user=bot, at=now, field=f"attachment:{copy.id}",
            old=None, new=copy.filename,
        )  # fmt: skip
