"""The chat desk's running parts: the webhook intake, the event processor and the sender.

The webhook stores events and wakes the processor; the processor applies them (the bot's
answers become sends) and wakes the sender; the sender delivers due sends. Both loops also
look for work every `chat_poll_s`, so events stored by another process or retries whose
time has come are not left waiting for a wake-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from minio import Minio
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.background import cancel_and_wait, wait_event
from callcenter.callbacks.scheduler import DueScheduler
from callcenter.chat import (
    attachments,
    broadcasts,
    canned,
    email_text,
    emails,
    facebook_events,
    inbox,
    line_events,
    rich_menu,
    sends,
    service,
    sla,
)
from callcenter.chat.delivery import Platform, RetryPolicy, attempt
from callcenter.chat.errors import FilesUnavailable
from callcenter.chat.facebook_client import FacebookClient
from callcenter.chat.flows import FAQ_FILE, Flows, load_faq
from callcenter.chat.journal import Rows, WebhookJournal
from callcenter.chat.line_client import LineClient, Result
from callcenter.chat.line_events import Inbound
from callcenter.chat.mailbox import EmailClient, ImapConfig, Mailbox, SmtpConfig
from callcenter.chat.models import BroadcastStatus, Conversation, WebhookEvent
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.errors import InvalidInput
from callcenter.publisher import Publisher

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
EVENTS_PER_ROUND = 50
BROADCAST_JOBS = "chat_broadcast_jobs"  # APScheduler's job table for broadcasts' times
TOPIC = "chat"  # the hub topic the inbox pages follow (agent_ui.ws.chat_socket)
SLA_SOON_S = 300.0  # an unanswered conversation is "soon" this long before its due time
LINE, FACEBOOK, EMAIL = service.LINE, service.FACEBOOK, sends.EMAIL
PARSERS: dict[str, Callable[[dict[str, Any]], Inbound | None]] = {
    LINE: line_events.inbound,
    FACEBOOK: facebook_events.inbound,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class ChatDesk:
    """Built once by the lifespan; `start()` runs the processor and the sender."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utc_now,
        publisher: Publisher | None = None,
        s3: Minio | None = None,
    ) -> None:
        self.sessions, self.clock, self.publisher = sessions, clock, publisher
        self.line_secret = settings.line_channel_secret.get_secret_value()
        self.reply_token_s = settings.chat_reply_token_s
        # the first-reply SLA per channel: its target and business hours (none: 24/7); a
        # broken file stops the start, named
        self.sla = sla.from_settings(settings)
        self.poll_s = settings.chat_poll_s
        self.policy = RetryPolicy(settings.chat_send_attempts, settings.chat_send_backoff_s)
        self.fb_secret = settings.fb_app_secret.get_secret_value()
        self.fb_verify_token = settings.fb_verify_token.get_secret_value()
        self._line = LineClient(
            host=settings.line_api_url,
            access_token=settings.line_channel_access_token.get_secret_value(),
            data_host=settings.line_data_api_url,
        )
        self.public_url = settings.chat_public_url
        self.rich_menu_path = settings.chat_rich_menu or rich_menu.DEFAULT
        key = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
        self.scheduler = DueScheduler(
            url=settings.sync_database_url, key=f"chat-{key}", on_due=self._broadcast_woken,
            table=BROADCAST_JOBS, prefix="broadcast",
        )  # fmt: skip
        self._broadcasts_due = asyncio.Event()
        self._facebook = FacebookClient(
            graph_url=settings.fb_graph_url,
            page_token=settings.fb_page_access_token.get_secret_value(),
        )
        self.platforms: dict[str, Platform] = {LINE: self._line, FACEBOOK: self._facebook}
        smtp = SmtpConfig(
            settings.smtp_host, settings.smtp_port, settings.chat_email_address,
            settings.smtp_timeout_s,
        )  # fmt: skip
        self.platforms[EMAIL] = EmailClient(
            smtp, read_file=partial(attachments.read, s3) if s3 is not None else None
        )
        self.mailbox = (
            Mailbox(
                ImapConfig(
                    settings.chat_imap_host, settings.chat_imap_port, settings.chat_imap_user,
                    settings.chat_imap_password.get_secret_value(), settings.chat_imap_folder,
                    settings.chat_imap_security,
                )
            )
            if settings.chat_imap_host
            else None
        )  # fmt: skip
        self.email_poll_s = settings.chat_email_poll_s
        self.survey_window_s = settings.chat_survey_window_s
        self.flows = Flows(load_faq(settings.chat_faq or FAQ_FILE))
        self.canned = canned.load(settings.chat_canned or canned.DEFAULT)
        self.files = (
            attachments.Store(s3, settings.s3_bucket, settings.chat_attachment_max_bytes)
            if s3 is not None
            else None
        )
        self.journal = WebhookJournal(settings.chat_journal)
        self._events_due, self._sends_due = asyncio.Event(), asyncio.Event()
        self._pictures_tried: set[str] = set()
        self._sla_told: dict[int, str] = {}  # conversation id → the SLA stage announced
        self._sla_due = asyncio.Event()  # never set: the SLA round runs every poll
        self._sla_round = asyncio.Lock()  # one round at a time (a test may call one too)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self._line.start()
        await self._facebook.start()
        await self.scheduler.start()
        self._tasks = [
            asyncio.create_task(
                self._loop(self._broadcasts_due, self.broadcast_due), name="chat-broadcasts"
            ),
            asyncio.create_task(self._loop(self._events_due, self.process), name="chat-events"),
            asyncio.create_task(self._loop(self._sends_due, self.send_due), name="chat-sender"),
            asyncio.create_task(self._loop(self._sla_due, self.sla_warnings), name="chat-sla"),
        ]
        if self.mailbox is not None:
            self._tasks.append(asyncio.create_task(self._read_mail(), name="chat-mailbox"))

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []
        await self.scheduler.stop()
        await self._line.stop()
        await self._facebook.stop()

    def changed(self, conversation_ids: Iterable[int]) -> None:
        """Tell the inbox pages which conversations changed (ids only: no personal data)."""
        if self.publisher is not None:
            for conversation_id in sorted(set(conversation_ids)):
                self.publisher.publish(TOPIC, {"conversation_id": conversation_id})

    async def sla_warnings(self) -> int:
        """Tell the inbox pages (/ws/chat) when an unanswered conversation's stored due time
        comes near ({"sla": "soon"}, SLA_SOON_S before it) and when it passes ("late"),
        once per stage (after a restart, once more); how many were told."""
        async with self._sla_round:
            return await self._sla_round_once()

    async def _sla_round_once(self) -> int:
        now = self.clock()
        async with self.sessions() as session:
            found = await inbox.unanswered_due(
                session=session, until=now + timedelta(seconds=SLA_SOON_S)
            )
        told = 0
        stages = {cid: ("late" if due < now else "soon", due) for cid, due in found}
        for cid, (stage, due) in stages.items():
            if self._sla_told.get(cid) != stage and self.publisher is not None:
                self.publisher.publish(
                    TOPIC, {"conversation_id": cid, "sla": stage, "due_at": due.isoformat()}
                )
                told += 1
        self._sla_told = {cid: stage for cid, (stage, _) in stages.items()}
        return told

    def events_stored(self) -> None:
        self._events_due.set()

    def sends_queued(self) -> None:
        self._sends_due.set()

    async def _loop(self, due: asyncio.Event, work: Callable[[], object]) -> None:
        while True:
            await wait_event(due, self.poll_s)
            due.clear()
            try:
                await work()  # type: ignore[misc]
            except Exception:
                log.exception("chat %s round failed; retrying", getattr(work, "__name__", work))

    async def store(self, channel: str, rows: Rows) -> None:
        """Make webhook events durable before they are acknowledged: in the database, or
        in the journal while it is down (OSError: neither; the caller answers 503)."""
        now = self.clock()
        try:
            async with transaction(self.sessions) as session:
                stored = await service.store_events(
                    session=session, channel=channel, events=rows, now=now
                )
        except (SQLAlchemyError, OSError) as exc:
            log.warning("storing %s webhook events failed (%r): journaling them", channel, exc)
            await self.journal.append(channel, rows, now)
            return
        if stored:
            self.events_stored()

    async def _read_mail(self) -> None:
        while True:
            try:
                await self.fetch_mail()
            except Exception:
                log.exception("reading the complaints mailbox failed; trying again")
            await asyncio.sleep(self.email_poll_s)

    async def fetch_mail(self) -> int:
        """Store the mailbox's unseen mails (files to S3), then flag them seen; how many."""
        if self.mailbox is None:
            return 0
        fetched = await asyncio.to_thread(self.mailbox.unseen)
        rows: Rows = []
        for key, raw in fetched:
            mail = email_text.parse(raw, fallback_id=f"{key}@{self.mailbox.config.host}")
            kept: list[dict[str, Any]] = []
            refused = [
                {"filename": f.filename, "content_type": f.content_type, "size": len(f.data),
                 "why": "no file store"}
                for f in mail.files
            ]  # fmt: skip
            if self.files is not None:
                kept, _ = await attachments.keep(
                    self.files, scope=mail.message_id, files=mail.files
                )
            body = emails.event_body(mail, key=key, kept=kept, refused=refused)
            rows.append((mail.message_id, False, body))
        if rows:
            await self.store(EMAIL, rows)  # durable (database or journal) before \Seen
            await asyncio.to_thread(self.mailbox.mark_seen, [key for key, _ in fetched])
        return len(rows)

    async def process(self) -> int:
        """Apply the stored events not applied yet (the journal's first); how many were."""
        if self.journal.pending():
            await self.journal.replay(self.sessions)
        done = 0
        while True:
            async with transaction(self.sessions) as session:
                rows = await service.unprocessed(session=session, limit=EVENTS_PER_ROUND)
                touched = [await self._apply(session, row) for row in rows]
            self.changed(c for c in touched if c is not None)
            done += len(rows)
            if rows:
                self.sends_queued()
                await self._name_customers()
                await self._fetch_pictures()
            if len(rows) < EVENTS_PER_ROUND:
                return done

    async def _name_customers(self) -> None:
        """The platform's display name on new conversations, looked up once, outside the
        events' transaction (a slow profile call must not hold their locks)."""
        async with self.sessions() as session:
            found = await service.nameless(session=session, limit=EVENTS_PER_ROUND)
            wanted = [(c.id, c.channel, c.customer_id) for c in found]
        for conv_id, channel, customer in wanted:
            name = await self.platforms[channel].profile_name(customer)
            async with transaction(self.sessions) as session:
                conv = await session.get(Conversation, conv_id)
                if conv is not None and not conv.customer_name:
                    conv.customer_name = (name or "?")[:255]  # "?": asked, not given

    async def _fetch_pictures(self) -> None:
        """Customers' pictures into S3, once each (the platforms keep them only a while):
        LINE's by message id from its content API, Messenger's from the `payload.url` of
        their webhook event; the attachment limits (types, size) apply. A picture sent
        during the bot's intake becomes evidence on the case it opens."""
        if self.files is None:
            return
        async with self.sessions() as session:
            wanted = await attachments.pictures_to_fetch(session=session, limit=EVENTS_PER_ROUND)
        for picture in wanted:
            if picture.external_id in self._pictures_tried:
                continue
            self._pictures_tried.add(picture.external_id)
            try:
                files = await self._picture_files(picture, max_bytes=self.files.max_bytes)
            except Exception as exc:  # gone or refused: the message keeps its label
                log.warning("%s picture %s not fetched: %r", picture.channel,
                            picture.external_id, exc)  # fmt: skip
                continue
            scope = f"{picture.channel}:{picture.external_id}"
            kept, refused = await attachments.keep(self.files, scope=scope, files=files)
            for f in refused:
                log.warning("%s picture %s refused: %s", picture.channel, f["filename"], f["why"])
            async with transaction(self.sessions) as session:
                await attachments.record(session=session, message_id=picture.message_id, kept=kept)
            if kept:
                self.changed([picture.conversation_id])  # the inbox shows it

    async def _picture_files(
        self, picture: attachments.Wanted, *, max_bytes: int
    ) -> list[email_text.File]:
        if picture.channel == LINE:
            data, content_type = await self._line.message_content(picture.external_id)
            name = f"line-{picture.external_id}.{content_type.split('/')[-1]}"
            return [email_text.File(name, content_type, data)]
        files = []
        urls = facebook_events.image_urls(picture.event or {})
        for i, url in enumerate(urls):
            data, content_type = await self._facebook.fetch_media(url, max_bytes=max_bytes)
            name = f"messenger-{i + 1}.{content_type.split('/')[-1]}"
            files.append(email_text.File(name, content_type, data))
        return files

    async def _apply(self, session: AsyncSession, row: WebhookEvent) -> int | None:
        """Apply one stored event; the id of the conversation it changed, if any."""
        now, conv = self.clock(), None
        try:
            async with session.begin_nested():
                action = PARSERS[row.channel](row.body) if row.channel in PARSERS else None
                if row.channel == EMAIL:
                    conv = await emails.apply_mail(
                        session=session, row=row, now=now, survey_window_s=self.survey_window_s,
                        sla=self.sla,
                    )  # fmt: skip
                elif action is not None:
                    conv = await service.apply_inbound(
                        session=session, channel=row.channel, action=action, event_row_id=row.id,
                        reply_token_s=self.reply_token_s, sla=self.sla,
                        now=now, survey_window_s=self.survey_window_s, flows=self.flows,
                    )  # fmt: skip
        except Exception as exc:  # one bad event must not block those behind it
            log.exception("chat event %s (%s) could not be applied", row.id, row.event_id)
            row.error = repr(exc)[:1000]
        row.processed_at = now
        return conv.id if conv is not None else None

    # -- broadcasts --------------------------------------------------------------------

    def _broadcast_woken(self, broadcast_id: int) -> None:
        """APScheduler: a broadcast's time has come (the sweep checks which)."""
        self._broadcasts_due.set()

    async def schedule_broadcast(self, broadcast_id: int, at: datetime) -> None:
        """After the schedule is committed: a job at its time, or a wake-up now."""
        if at <= self.clock():
            self._broadcasts_due.set()
        else:
            await self.scheduler.at(broadcast_id, at)

    async def broadcast_due(self) -> int:
        """Send every broadcast whose time has come (retries of unanswered requests too)."""
        async with self.sessions() as session:
            ids = await broadcasts.due(session=session, now=self.clock())
        for broadcast_id in ids:
            await self.send_broadcast(broadcast_id)
        return len(ids)

    async def send_broadcast(self, broadcast_id: int) -> None:
        """Plan (retry keys stored first), call LINE for each pending request, record."""
        async with transaction(self.sessions) as session:
            b = await broadcasts.get(session=session, broadcast_id=broadcast_id, lock=True)
            if b.status == BroadcastStatus.scheduled:
                await broadcasts.plan(session=session, b=b)
                b.status = BroadcastStatus.sending
            elif b.status != BroadcastStatus.sending:
                return
            pending = [dict(r) for r in b.requests if r["status"] == "pending"]
            payload = broadcasts.messages(b, self.public_url)
        results = {}
        for r in pending:  # outside the transaction: a slow LINE holds no lock
            if r["to"] is None:
                results[r["retry_key"]] = await self._line.broadcast(
                    payload, retry_key=r["retry_key"]
                )
            else:
                results[r["retry_key"]] = await self._line.multicast(
                    r["to"], payload, retry_key=r["retry_key"]
                )
        async with transaction(self.sessions) as session:
            b = await broadcasts.get(session=session, broadcast_id=broadcast_id, lock=True)
            broadcasts.record(b, results, policy=self.policy, now=self.clock())
            if b.status in (BroadcastStatus.sent, BroadcastStatus.failed):
                await broadcasts.audit(
                    session, str(b.status), b, who=broadcasts.SYSTEM, user_id=None,
                    role=broadcasts.SYSTEM, recipients=b.recipients, error=b.last_error,
                )  # fmt: skip
        if self.publisher is not None:  # the supervisors' pages show its new status
            self.publisher.publish(TOPIC, {"broadcast_id": broadcast_id})

    async def broadcast(
        self,
        *,
        text: str,
        who: str,
        tags: Sequence[str] = (),
        image: tuple[bytes, str] | None = None,
        at: datetime | None = None,
    ) -> int:
        """For other modules (the social desk): compose, attach, schedule in one go (audited
        as `who`); the broadcast's id. Refuses what the API refuses (InvalidInput)."""
        if not 1 <= len(text) <= 5000:
            raise InvalidInput("ข้อความ 1–5000 ตัวอักษร / the text must be 1 to 5000 characters")
        if image is not None:
            broadcasts.check_image(image[1], len(image[0]))
            if self.files is None:
                raise FilesUnavailable("ที่เก็บไฟล์ไม่พร้อม / the file store is not configured")
        when = max(at or self.clock(), self.clock())
        async with transaction(self.sessions) as session:
            b = await broadcasts.compose(
                session=session, text=text, tags=list(tags), who=who, user_id=None,
                role=broadcasts.SYSTEM, now=self.clock(),
            )  # fmt: skip
            if image is not None and self.files is not None:
                key = f"{attachments.PREFIX}/broadcasts/{b.id}/{uuid.uuid4().hex}"
                broadcasts.attach_image(b, bucket=self.files.bucket, key=key, content_type=image[1])
                await attachments.put(self.files, key=key, data=image[0], content_type=image[1])
            await broadcasts.schedule(
                session=session, b=b, at=when, who=who, user_id=None, role=broadcasts.SYSTEM
            )
            broadcast_id = b.id
        await self.schedule_broadcast(broadcast_id, when)
        return broadcast_id

    async def line_broadcast(self, text: str, image_url: str | None, *, retry_key: str) -> Result:
        """One broadcast sent at once through the desk's LINE client, for the social desk's
        posts and digests (they keep their own schedule, retries and audit)."""
        messages: list[dict[str, Any]] = [{"type": "text", "text": text[:5000]}]
        if image_url:
            messages.append(
                {"type": "image", "originalContentUrl": image_url, "previewImageUrl": image_url}
            )
        return await self._line.broadcast(messages, retry_key=retry_key)

    async def apply_rich_menu(self) -> str:
        """The configured rich menu created, its picture uploaded, set as the default."""
        menu = rich_menu.load(self.rich_menu_path)
        return await rich_menu.apply(self._line, menu)

    async def line_quota(self) -> dict[str, Any]:
        return await self._line.quota()

    async def send_due(self) -> int:
        """Attempt every send whose time has come; how many were attempted."""
        count = 0
        while True:
            async with transaction(self.sessions) as session:
                send = await sends.due_send(session=session, now=self.clock())
                if send is None:
                    return count
                platform = self.platforms[send.channel]
                await attempt(send, platform=platform, policy=self.policy, now=self.clock())
                conversation_id = send.conversation_id
            self.changed([conversation_id])  # its delivery status moved on
            count += 1
