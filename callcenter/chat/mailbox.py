"""The complaints mailbox: read over IMAP, answered over SMTP (stdlib clients in a thread).

Reading polls (every `chat_email_poll_s`): Python 3.11's imaplib has no IDLE, and a poll
also catches up after any outage without extra state. A mail is fetched with BODY.PEEK
(it stays unseen), stored by the desk, and only then flagged \\Seen: a crash between the
two fetches it again, and the stored event's unique Message-ID keeps it single.

Answers go out through SMTP as "email" messages (see `email_payload` in sends.py): the
desk's own Message-ID, In-Reply-To and References, so the customer's mail program threads
them. SMTP has no idempotency key: a retry carries the same Message-ID, which mail
programs use to drop a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import smtplib
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from callcenter.chat.line_client import Outcome, Result

log = logging.getLogger(__name__)
# The server refused this message for good; anything else (connection, 4xx) is retried.
_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
FETCH_LIMIT = 50  # mails per round


class MailboxError(Exception):
    """The IMAP server said no (login, select, fetch)."""


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    security: str = "ssl"  # ssl (IMAPS), starttls or none (loopback tests only)
    timeout_s: float = 30.0


class Mailbox:
    """One IMAP login per round; every call blocks, so the desk runs them in a thread."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config

    def _connect(self) -> imaplib.IMAP4:
        c = self.config
        conn: imaplib.IMAP4
        if c.security == "ssl":
            conn = imaplib.IMAP4_SSL(c.host, c.port, timeout=c.timeout_s)
        else:
            conn = imaplib.IMAP4(c.host, c.port, timeout=c.timeout_s)
            if c.security == "starttls":
                conn.starttls(ssl.create_default_context())
        _ok(conn.login(c.user, c.password), "login")
        _ok(conn.select(_quoted(c.folder)), "select")
        return conn

    def unseen(self, limit: int = FETCH_LIMIT) -> list[tuple[str, bytes]]:
        """(uid validity:uid, the raw mail) of the unseen mails, oldest first."""
        conn = self._connect()
        try:
            validity = _validity(conn)
            data = _ok(conn.uid("SEARCH", "UNSEEN"), "search")
            uids = [u.decode() for u in (data[0] or b"").split()][:limit]
            found = []
            for uid in uids:
                fetched = _ok(conn.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch")
                raw = next((p[1] for p in fetched if isinstance(p, tuple)), None)
                if isinstance(raw, bytes):
                    found.append((f"{validity}:{uid}", raw))
            return found
        finally:
            _logout(conn)

    def mark_seen(self, keys: list[str]) -> None:
        """Flag the stored mails \\Seen (keys as `unseen` gave them)."""
        if not keys:
            return
        conn = self._connect()
        try:
            validity = _validity(conn)
            uids = [k.split(":", 1)[1] for k in keys if k.split(":", 1)[0] == validity]
            if uids:
                _ok(conn.uid("STORE", ",".join(uids), "+FLAGS", "(\\Seen)"), "store")
        finally:
            _logout(conn)


def _ok(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise MailboxError(f"IMAP {what}: {status} {data!r}")
    return data


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _validity(conn: imaplib.IMAP4) -> str:
    _, data = conn.response("UIDVALIDITY")
    return (data[0] or b"0").decode() if data and data[0] else "0"


def _logout(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str  # the complaints mailbox's address
    timeout_s: float = 10.0


# Reads a stored file (bucket, key) for an answer's attachment: the desk's S3.
FileReader = Callable[[str, str], Awaitable[bytes]]


class EmailClient:
    """The sender's platform for e-mail: every send is a "push" of one mail over SMTP; the
    admin's pictures (the message's "files") are read with `read_file` and attached."""

    def __init__(self, config: SmtpConfig, read_file: FileReader | None = None) -> None:
        self.config, self.read_file = config, read_file

    async def reply(self, token: str, messages: list[dict[str, Any]]) -> Result:
        return Result(Outcome.rejected, "e-mail has no reply tokens")  # never queued with one

    async def profile_name(self, customer_id: str) -> str | None:
        return None  # the name came with the mail (From:)

    async def push(
        self, to: str, messages: list[dict[str, Any]], *, retry_key: str, tag: str | None = None
    ) -> Result:
        files: list[Attached] = []
        for f in (f for m in messages for f in m.get("files", [])):
            if self.read_file is None:
                return Result(Outcome.failed, "no file store to read the attachment from")
            try:
                data = await self.read_file(f["bucket"], f["key"])
            except Exception as exc:  # S3 away: the sender retries later
                return Result(Outcome.failed, f"attachment {f['filename']}: {exc!r}"[:500])
            files.append(Attached(f["filename"], f["content_type"], data))
        mail = compose(messages, sender=self.config.sender, to=to, files=files)
        # smtplib's socket timeout bounds the thread (no asyncio timeout around it: a mail
        # the thread still delivers after we stopped waiting would go twice).
        return await asyncio.to_thread(self._send, mail)

    def _send(self, mail: EmailMessage) -> Result:
        c = self.config
        try:
            with smtplib.SMTP(c.host, c.port, timeout=c.timeout_s) as smtp:
                smtp.send_message(mail)
        except _REFUSED as exc:
            return Result(Outcome.rejected, f"SMTP refused: {exc}"[:500])
        except (OSError, smtplib.SMTPException) as exc:
            return Result(Outcome.failed, f"SMTP: {exc!r}"[:500])
        return Result(Outcome.delivered)


@dataclass(frozen=True)
class Attached:
    filename: str
    content_type: str
    data: bytes


def compose(
    messages: list[dict[str, Any]], *, sender: str, to: str, files: Sequence[Attached] = ()
) -> EmailMessage:
    """One mail of the send's "email" messages (their texts in order, the first's headers),
    with `files` as attachments (multipart/mixed)."""
    head = messages[0]
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = str(head.get("subject", ""))
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = str(head["messageId"])
    if head.get("inReplyTo"):
        mail["In-Reply-To"] = str(head["inReplyTo"])
    if head.get("references"):
        mail["References"] = " ".join(head["references"])
    mail["Auto-Submitted"] = "no" if head.get("human", True) else "auto-replied"
    mail.set_content("\n\n".join(str(m.get("text", "")) for m in messages) + "\n")
    for file in files:
        maintype, _, subtype = file.content_type.partition("/")
        mail.add_attachment(
            file.data, maintype=maintype, subtype=subtype or "octet-stream",
            filename=file.filename,
        )  # fmt: skip
    return mail
