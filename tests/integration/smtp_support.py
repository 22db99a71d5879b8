"""A real SMTP server on 127.0.0.1 for the tests that mail (alerts, report packs): aiosmtpd
keeping every message it accepts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.helpers import free_port


class Sink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def about(self, alert_id: str) -> list[tuple[list[str], EmailMessage]]:
        """Messages whose body names `alert_id`."""
        return [(to, m) for to, m in self.messages if f"Alert id: {alert_id}\n" in text(m)]


def text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@contextmanager
def running_sink() -> Iterator[Sink]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd, its own thread and loop)."""
    sink = Sink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
