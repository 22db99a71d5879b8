"""E-mail → what the desk stores: the thread's ids, the sender, readable text, the files.

Pure functions, no I/O. Threads are kept by RFC 5322 ids: a mail whose In-Reply-To or
References names a Message-ID the desk stored belongs to that conversation. For display,
the quoted history under a reply ("> …" lines, "On … wrote:", Outlook's "-----Original
Message-----" or "From:" block, Thai "เมื่อ … เขียนว่า:") is cut off; the whole text stays
in the stored event.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

ID_MAX = 255  # chat_messages.external_id
_ID = re.compile(r"<[^<>\s]+>")
# The first line of a quoted history under a reply; everything from it on is history.
_HISTORY_STARTS = (
    re.compile(r"^\s*On .{0,300} wrote:\s*$"),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*เมื่อ.{0,300}เขียนว่า\s*:?\s*$"),  # Gmail in Thai
    re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message|ข้อความต้นฉบับ)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above its From: block
    re.compile(r"^\s*(From|จาก)\s*:\s*.+$"),  # Outlook's header block (only after a blank)
)


@dataclass(frozen=True)
class File:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class Mail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    sender: str  # the address, lower case
    sender_name: str
    subject: str
    date: datetime | None
    text: str  # the whole plain text
    files: list[File] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """The ids this mail answers, nearest first."""
        seen: list[str] = []
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            if mid not in seen:
                seen.append(mid)
        return seen


def normal_id(raw: str) -> str:
    """A Message-ID as stored: with its angle brackets, hashed when longer than the column."""
    mid = raw.strip()
    if mid and not mid.startswith("<"):
        mid = f"<{mid}>"
    if len(mid) > ID_MAX:
        mid = "<sha256:" + hashlib.sha256(mid.encode()).hexdigest() + ">"
    return mid


def ids_in(header: str | None) -> list[str]:
    return [normal_id(m) for m in _ID.findall(str(header or ""))]


def parse(raw: bytes, *, fallback_id: str) -> Mail:
    """The mail in `raw` (RFC 5322 bytes); `fallback_id` when it carries no Message-ID."""
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    name, address = parseaddr(str(msg.get("From", "")))
    if not address:
        found = getaddresses([str(msg.get("Sender", ""))])
        name, address = found[0] if found else ("", "")
    ids = ids_in(msg.get("Message-ID"))
    try:
        date = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None  # a date without a zone says nothing certain
    return Mail(
        message_id=ids[0] if ids else normal_id(fallback_id),
        in_reply_to=ids_in(msg.get("In-Reply-To")),
        references=ids_in(msg.get("References")),
        sender=address.strip().lower(),
        sender_name=name.strip(),
        subject=str(msg.get("Subject", "")).strip(),
        date=date,
        text=_body_text(msg),
        files=_files(msg),
    )  # fmt: skip


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain", "html"))
    if part is None:
        return ""
    try:
        content = str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset: the bytes as well as we can
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        content = html_text(content)
    return content.replace("\r\n", "\n").strip()


def _files(msg: EmailMessage) -> list[File]:
    files = []
    for part in msg.iter_attachments():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        files.append(File(part.get_filename() or "file", part.get_content_type(), data))
    return files


def strip_quoted(text: str) -> str:
    """The new words of a reply: the quoted history under it cut off (kept when all is quote)."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">") and all(
            not x.strip() or x.lstrip().startswith(">") for x in lines[i:]
        ):
            cut = i
            break
        if any(p.match(line) for p in _HISTORY_STARTS[:4]) or (
            _HISTORY_STARTS[4].match(line) and i > 0 and not lines[i - 1].strip()
        ):
            cut = i
            break
    kept = "\n".join(lines[:cut]).strip()
    return kept or text.strip()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li", "blockquote"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """An HTML-only mail's words, line breaks kept, tags and scripts dropped."""
    parser = _Text()
    parser.feed(html)
    text = "".join(parser.parts)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def reply_subject(subject: str) -> str:
    """ "Re: <subject>" once (never "Re: Re: …")."""
    bare = subject.strip()
    return bare if re.match(r"^(re|ตอบกลับ)\s*:", bare, re.I) else f"Re: {bare}".strip()
