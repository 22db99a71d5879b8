"""E-mail channel end to end: mail delivered into a real dovecot (IMAP APPEND), read by the
desk over IMAP, answered by an admin through the inbox API and sent over SMTP to a real
aiosmtpd sink; threads follow Message-ID / In-Reply-To / References."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from callcenter.chat.models import Message, WebhookEvent
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world
from tests.integration.imap_support import Dovecot, running_dovecot
from tests.integration.smtp_support import Sink, running_sink, text

pytestmark = pytest.mark.integration
MAILBOX = "complaints@1212.test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    with running_sink() as server:
        yield server


@pytest.fixture(scope="module")
async def world(settings: Settings, dovecot: Dovecot, sink: Sink) -> AsyncIterator[ChatWorld]:
    extra = {
        "chat_imap_host": dovecot.host, "chat_imap_port": dovecot.port,
        "chat_imap_security": "none", "chat_imap_user": dovecot.user,
        "chat_imap_password": SecretStr(dovecot.password), "chat_email_poll_s": 0.2,
        "chat_email_address": MAILBOX, "smtp_host": "127.0.0.1", "smtp_port": sink.port,
    }  # fmt: skip
    async for built in chat_world(settings, extra):
        yield built


def _mail(
    sender: str, subject: str, body: str, *, reply_to: EmailMessage | None = None
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Somchai Jaidee <{sender}>"
    mail["To"] = MAILBOX
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="customer.test")
    if reply_to is not None:
        mail["In-Reply-To"] = reply_to["Message-ID"]
        mail["References"] = f"{reply_to['References'] or ''} {reply_to['Message-ID']}".strip()
    mail.set_content(body)
    return mail


async def _deliver(dovecot: Dovecot, mail: EmailMessage) -> None:
    await asyncio.to_thread(dovecot.append, mail.as_bytes())


async def _conversations_of(world: ChatWorld, sender: str, headers: dict[str, str]) -> list[Any]:
    r = await world.client.get("/api/v1/chat/conversations?state=open", headers=headers)
    assert r.status_code == 200, r.text
    return [c for c in r.json() if c["channel"] == "email" and c["customer_id"] == sender]


async def _detail(world: ChatWorld, conversation_id: int, headers: dict[str, str]) -> Any:
    r = await world.client.get(f"/api/v1/chat/conversations/{conversation_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _sent_to(sink: Sink, address: str) -> list[EmailMessage]:
    return [m for to, m in sink.messages if address in to]


async def test_a_mail_with_files_becomes_a_queued_conversation_due_in_24_hours(
    world: ChatWorld, dovecot: Dovecot
) -> None:
    sender = "somchai.files@customer.test"
    mail = _mail(sender, "ถูกโกงซื้อของออนไลน์", "สั่งโทรศัพท์แล้วไม่ได้ของ\nโอนเงิน 12,000 บาท")
    mail.add_attachment(PNG, maintype="image", subtype="png", filename="slip.png")
    mail.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload",
                        filename="setup.exe")  # fmt: skip
    await _deliver(dovecot, mail)
    supervisor = await world.user(Role.supervisor)

    [conv] = await poll(
        lambda: _conversations_of(world, sender, supervisor), timeout_s=15, what="the mail"
    )
    assert conv["state"] == "queued"  # no bot on e-mail: straight to the admins
    assert conv["subject"] == "ถูกโกงซื้อของออนไลน์"
    assert conv["customer_name"] == "Somchai Jaidee"
    due = conv["reply_due_at"]
    assert due is not None and conv["time_left_s"] == pytest.approx(24 * 3600, abs=5)
    detail = await _detail(world, conv["id"], supervisor)
    [message] = [m for m in detail["messages"] if m["direction"] == "inbound"]
    assert message["text"].startswith("สั่งโทรศัพท์แล้วไม่ได้ของ\nโอนเงิน 12,000 บาท")
    assert "setup.exe" in message["text"]  # refused, and the admin is told so
    [file] = message["attachments"]
    assert (file["filename"], file["content_type"]) == ("slip.png", "image/png")
    url = f"/api/v1/chat/conversations/{conv['id']}/attachments/{file['id']}"
    r = await world.client.get(url, headers=supervisor)
    assert r.status_code == 200 and r.content == PNG  # the same bytes, from S3
    # stored, then flagged seen in the mailbox
    await poll(
        lambda: asyncio.to_thread(lambda: all("\\Seen" in f for f in dovecot.flags())),
        timeout_s=10, what="the mails flagged seen",
    )  # fmt: skip


async def test_an_admin_answer_goes_out_in_the_thread_and_the_customers_reply_joins_it(
    world: ChatWorld, dovecot: Dovecot, sink: Sink
) -> None:
    sender = "nok.thread@customer.test"
    first = _mail(sender, "Refund not received", "The shop promised a refund in May.")
    await _deliver(dovecot, first)
    agent, supervisor = await world.user(Role.agent), await world.user(Role.supervisor)
    [conv] = await poll(
        lambda: _conversations_of(world, sender, supervisor), timeout_s=15, what="the mail"
    )
    world.clock.advance(3 * 3600)  # answered three hours later: inside e-mail's 24 h
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv['id']}/reply", headers=agent,
        json={"text": "We have contacted the shop. Please send the order number."},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    [answer] = await poll(lambda: _sent_to(sink, sender), timeout_s=15, what="the answer")
    assert answer["Subject"] == "Re: Refund not received"
    assert answer["From"] == MAILBOX
    assert answer["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in answer["References"]
    assert "Please send the order number." in text(answer)

    reply = _mail(
        sender, "Re: Refund not received",
        "Order number 4471.\n\nOn Mon, 7 Dec 2026 at 10:00, 1212 <complaints@1212.test> wrote:\n"
        "> We have contacted the shop. Please send the order number.\n",
        reply_to=answer,
    )  # fmt: skip
    await _deliver(dovecot, reply)

    async def both() -> list[Any]:
        found = await _detail(world, conv["id"], agent)
        return [m for m in found["messages"] if m["direction"] == "inbound"][1:]

    [second] = await poll(both, timeout_s=15, what="the customer's reply in the thread")
    assert second["text"] == "Order number 4471."  # the quoted history is not shown
    assert len(await _conversations_of(world, sender, supervisor)) == 1
    period = {
        "from": (world.clock() - timedelta(days=1)).isoformat(),
        "to": (world.clock() + timedelta(hours=1)).isoformat(),
    }
    r = await world.client.get("/api/v1/chat/kpi", params=period, headers=supervisor)
    assert r.json()["sla_s"]["email"] == 86400
    email = r.json()["channels"]["email"]
    assert email["chat_handled"] >= 1 and email["chat_answered_within_sla"] >= 1


async def test_a_new_mail_without_references_is_a_thread_of_its_own(
    world: ChatWorld, dovecot: Dovecot
) -> None:
    sender = "two.threads@customer.test"
    await _deliver(dovecot, _mail(sender, "Fake investment page", "A page on Facebook..."))
    supervisor = await world.user(Role.supervisor)
    await poll(lambda: _conversations_of(world, sender, supervisor), timeout_s=15, what="mail 1")
    await _deliver(dovecot, _mail(sender, "Another matter", "My account was hacked"))
    found = await poll(
        lambda: _two(world, sender, supervisor), timeout_s=15, what="two conversations"
    )
    assert sorted(c["subject"] for c in found) == ["Another matter", "Fake investment page"]


async def _two(world: ChatWorld, sender: str, headers: dict[str, str]) -> list[Any]:
    found = await _conversations_of(world, sender, headers)
    return found if len(found) == 2 else []


async def test_a_mail_fetched_again_after_a_crash_is_stored_once(
    world: ChatWorld, dovecot: Dovecot
) -> None:
    sender = "once@customer.test"
    mail = _mail(sender, "Once", "Only once please")
    await _deliver(dovecot, mail)
    supervisor = await world.user(Role.supervisor)
    await poll(lambda: _conversations_of(world, sender, supervisor), timeout_s=15, what="mail")
    await asyncio.to_thread(dovecot.unsee_all)  # the desk died before flagging them
    await poll(
        lambda: asyncio.to_thread(lambda: all("\\Seen" in f for f in dovecot.flags())),
        timeout_s=15, what="the mails read again and flagged",
    )  # fmt: skip
    assert await world.desk.process() == 0
    async with world.sessions() as session:
        stored = await session.scalar(
            select(func.count()).where(WebhookEvent.event_id == mail["Message-ID"])
        )
        shown = await session.scalar(
            select(func.count()).where(Message.external_id == mail["Message-ID"])
        )
    assert (stored, shown) == (1, 1)
    assert len(await _conversations_of(world, sender, supervisor)) == 1


async def test_an_agent_who_does_not_hold_the_conversation_sees_the_mail_masked(
    world: ChatWorld, dovecot: Dovecot
) -> None:
    sender = "private.person@customer.test"
    await _deliver(dovecot, _mail(sender, "My ID card number", "It is 1-2345-67890-12-3"))
    supervisor = await world.user(Role.supervisor)
    [conv] = await poll(
        lambda: _conversations_of(world, sender, supervisor), timeout_s=15, what="mail"
    )
    other = await world.user(Role.agent)
    r = await world.client.get("/api/v1/chat/conversations?state=open", headers=other)
    [seen] = [c for c in r.json() if c["id"] == conv["id"]]
    assert sender not in seen["customer_id"] and "ID card" not in seen["subject"]
    assert "1-2345" not in seen["last_message"]


async def test_after_the_close_the_customer_scores_by_replying_with_a_number(
    world: ChatWorld, dovecot: Dovecot, sink: Sink
) -> None:
    sender = "rating@customer.test"
    await _deliver(dovecot, _mail(sender, "Parcel never came", "Tracking says delivered."))
    supervisor = await world.user(Role.supervisor)
    [conv] = await poll(
        lambda: _conversations_of(world, sender, supervisor), timeout_s=15, what="the mail"
    )
    base = f"/api/v1/chat/conversations/{conv['id']}"
    r = await world.client.post(f"{base}/reply", headers=supervisor, json={"text": "Refunded."})
    assert r.status_code == 200, r.text
    assert (await world.client.post(f"{base}/close", headers=supervisor)).status_code == 200
    question = await poll(
        lambda: [m for m in _sent_to(sink, sender) if "1 to 5" in text(m)],
        timeout_s=15, what="the questionnaire mail",
    )  # fmt: skip
    answer = _mail(sender, "Re: Parcel never came",
                   "5 ขอบคุณมากครับ\n\nOn Tue, 8 Dec 2026, 1212 wrote:\n> Please reply",
                   reply_to=question[-1])  # fmt: skip
    await _deliver(dovecot, answer)
    await poll(
        lambda: [m for m in _sent_to(sink, sender) if "Thank you for your feedback" in text(m)],
        timeout_s=15, what="the thanks",
    )  # fmt: skip
    period = {
        "from": (world.clock() - timedelta(days=1)).isoformat(),
        "to": (world.clock() + timedelta(days=1)).isoformat(),
    }
    r = await world.client.get("/api/v1/chat/satisfaction", params=period, headers=supervisor)
    [scored] = [a for a in r.json()["answers"] if a["conversation_id"] == conv["id"]]
    assert (scored["channel"], scored["score"], scored["comment"]) == ("email", 5, "ขอบคุณมากครับ")
    assert await _conversations_of(world, sender, supervisor) == []  # no new thread opened


async def test_an_admins_picture_goes_out_as_an_attachment_of_the_answer_in_the_thread(
    world: ChatWorld, dovecot: Dovecot, sink: Sink
) -> None:
    sender = "picture.answer@customer.test"
    first = _mail(sender, "Which shop is this?", "Is this the shop's real page?")
    await _deliver(dovecot, first)
    agent, supervisor = await world.user(Role.agent), await world.user(Role.supervisor)
    [conv] = await poll(
        lambda: _conversations_of(world, sender, supervisor), timeout_s=15, what="the mail"
    )
    picture = PNG + b"the-real-page-screenshot"
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv['id']}/reply-image", content=picture,
        headers={**agent, "Content-Type": "image/png"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    [shown] = [m for m in r.json()["messages"] if m["direction"] == "outbound"]
    assert shown["author"] == "admin" and shown["attachments"][0]["content_type"] == "image/png"
    assert r.json()["first_human_reply_at"] is not None  # a picture is a first reply too

    [answer] = await poll(lambda: _sent_to(sink, sender), timeout_s=15, what="the answer")
    assert answer["In-Reply-To"] == first["Message-ID"]  # threaded as text answers are
    assert first["Message-ID"] in answer["References"]
    assert answer["Subject"] == "Re: Which shop is this?"
    [attached] = list(answer.iter_attachments())
    assert attached.get_content_type() == "image/png"
    assert attached.get_content() == picture  # the same bytes, read back from S3
    assert attached.get_filename() == shown["attachments"][0]["filename"]
    assert "attached" in text(answer)
    detail = await _detail(world, conv["id"], agent)
    [sent] = [m for m in detail["messages"] if m["direction"] == "outbound"]
    assert sent["delivery"] == "sent"

    too_big = PNG + b"\x00" * world.settings.chat_attachment_max_bytes
    r = await world.client.post(
        f"/api/v1/chat/conversations/{conv['id']}/reply-image", content=too_big,
        headers={**agent, "Content-Type": "image/png"},
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["error_id"] == "invalid_input"
    assert len(_sent_to(sink, sender)) == 1  # nothing more went out
