"""Alert e-mail: the message (plain text, Thai then English) and SMTP delivery in a thread."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from zoneinfo import ZoneInfo

from callcenter.alerts.incidents import Incident
from callcenter.alerts.rules import TITLES
from queue_metrics.records import DEFINITION

log = logging.getLogger(__name__)

TZ = "Asia/Bangkok"
SIGNATURE = "แจ้งเตือนอัตโนมัติจากศูนย์ 1212 · Automatic alert from the 1212 centre"
# A refusal of one message; anything else (connection, timeout) ends the whole round.
_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def parse_recipients(text: str) -> tuple[str, ...]:
    """`a@x, b@y` → ('a@x', 'b@y'); blanks dropped."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def subject(incident: Incident) -> str:
    """Names the severity, rule and scope, then the English text."""
    a = incident.alert
    return f"[1212 {a.severity}] {a.rule} {a.scope}: {a.text_en}"


def body(incident: Incident, *, tz: str = TZ) -> str:
    """Plain text, Thai then English, with the figure, its definition's name and the start time."""
    a = incident.alert
    since = datetime.fromtimestamp(incident.since, tz=ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")
    title_th, title_en = TITLES.get(a.rule, (a.rule, a.rule))
    figure = f"{a.kpi} ({DEFINITION})" if a.kpi else a.field
    return "\n".join(
        [
            a.text_th,
            a.text_en,
            "",
            f"กฎ / Rule: {a.rule} ({title_th} / {title_en})",
            f"คิว / Queue: {a.scope} ({a.label_th} / {a.label_en})",
            f"ค่า / Value: {figure} = {a.value:g}, เกณฑ์ / threshold {a.threshold:g}",
            f"ระดับ / Severity: {a.severity}",
            f"ตั้งแต่ / Since: {since} ({tz})",
            f"รหัส / Alert id: {a.id}",
            "",
            "-- ",
            SIGNATURE,
            "",
        ]
    )


class Mailer:
    """Sends alert e-mails through one SMTP server (stdlib smtplib, in a worker thread)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        timeout_s: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.recipients = tuple(recipients)
        self.timeout_s = timeout_s

    def message(self, incident: Incident) -> EmailMessage:
        """The e-mail for one incident, addressed to every recipient."""
        msg = EmailMessage()
        msg["Subject"] = subject(incident)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain="callcenter.alerts")
        msg.set_content(body(incident))
        return msg

    async def deliver(self, messages: Sequence[EmailMessage]) -> list[bool]:
        """Send over one connection; per message True when accepted. Connection errors raise.

        smtplib's socket timeout bounds the thread: no asyncio timeout around it, because
        a mail the thread still delivers after we stopped waiting would be sent twice.
        """
        if not messages:
            return []
        return await asyncio.to_thread(self._deliver, list(messages))

    def _deliver(self, messages: list[EmailMessage]) -> list[bool]:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            return [self._one(smtp, m) for m in messages]

    def _one(self, smtp: smtplib.SMTP, message: EmailMessage) -> bool:
        try:
            smtp.send_message(message)
        except _REFUSED as exc:
            log.warning("alert mail %r refused: %s", message["Subject"], exc)
            return False
        return True
