"""Approved calendar items go out on time: Facebook Page (scheduled posts) and LINE broadcast.

A round (`run_due(now)`):
- an approved item for Facebook planned 10 minutes to 30 days ahead is handed to Graph as a
  scheduled post (`published=false`, `scheduled_publish_time`): it becomes `scheduled`;
- an item whose time has come is published where it is not yet: Facebook now (or its
  scheduled post confirmed out), then LINE broadcast (a retry key per item: never twice).
  With every channel done it is `published`; an error is kept on the item and tried again
  next round, and after `social_publish_grace_s` past its time the item is `failed`.
Results (`fetch_results(now)`): reach, reactions and shares of what went out lately.

APScheduler (persistent job store `social_jobs` through callcenter.jobs, like the report
packs') wakes the round at each approved item's time and every `social_publish_check_s`; it
fetches results every `social_results_s`, builds last week's digest draft on Mondays at 08:00
and last month's publishing report on the 10th at 10:00 (each round checks it is there). A
wake-up missed while the service was down runs at once. The clock is injected: tests move it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from minio import Minio
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import jobs
from callcenter.config import Settings
from callcenter.social import assets, digest, report
from callcenter.social.line_broadcast import BroadcastError, LineBroadcaster, SdkLineBroadcaster
from callcenter.social.models import AuditEntry, Content, PublishingReport
from callcenter.social.page_publish import (
    SCHEDULE_MAX_S,
    SCHEDULE_MIN_S,
    Asset,
    PagePublisher,
    PublishError,
)

log = logging.getLogger(__name__)
JOB_TABLE = "social_jobs"
TARGET = "callcenter.social.publishing:fire"
RETRY_KEYS = uuid.UUID("6c1e4a52-17a0-4c8e-9d0e-121212121212")
_WAKE: dict[str, Callable[[str], None]] = {}


def fire(key: str, what: str = "round") -> None:
    """The stored job: wake the publishing of this service."""
    wake = _WAKE.get(key)
    if wake is not None:
        wake(what)


@dataclass(frozen=True)
class Outcome:
    content_id: int
    status: str
    error: str = ""


class Publishing:
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        s3: Minio,
        page: PagePublisher | None,
        line: LineBroadcaster | None,
        clock: Callable[[], datetime],
        job_store_url: str | None = None,
        key: str = "social-publishing",
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings, self.sessions, self.s3 = settings, sessions, s3
        self.page, self.line, self.clock = page, line, clock
        self._key, self._url, self._client = key, job_store_url, client  # closed at stop
        self._scheduler: AsyncIOScheduler | None = None
        self._wake = asyncio.Event()
        self._results_due = self._digest_due = False
        self._loop: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- the service's life ---------------------------------------------------------
    async def start(self) -> None:
        _WAKE[self._key] = self._woken
        if self._url is not None:
            self._scheduler = jobs.start_persistent(self._url, JOB_TABLE)
            await asyncio.to_thread(self._standing_jobs)
        self._loop = asyncio.create_task(self._run(), name="social-publishing")
        self._wake.set()  # a first round: what came due while the service was down

    def _standing_jobs(self) -> None:
        assert self._scheduler is not None
        s = self.settings
        self._scheduler.add_job(TARGET, trigger="interval", seconds=s.social_publish_check_s,
                                args=[self._key], id="social-publish-check",
                                replace_existing=True)  # fmt: skip
        self._scheduler.add_job(TARGET, trigger="interval", seconds=s.social_results_s,
                                args=[self._key, "results"], id="social-results",
                                replace_existing=True)  # fmt: skip
        self._scheduler.add_job(TARGET, trigger="cron", day=10, hour=10, args=[self._key],
                                id="social-report", replace_existing=True)  # fmt: skip
        self._scheduler.add_job(TARGET, trigger="cron", day_of_week="mon", hour=8,
                                args=[self._key, "digest"], id="social-digest",
                                replace_existing=True)  # fmt: skip

    async def stop(self) -> None:
        _WAKE.pop(self._key, None)
        await jobs.stop(self._scheduler, self._loop)
        if self._client is not None:
            await self._client.aclose()

    def _woken(self, what: str) -> None:
        self._results_due = self._results_due or what == "results"
        self._digest_due = self._digest_due or what == "digest"
        self._wake.set()

    def wake(self) -> None:
        """A round soon (an item was approved or changed)."""
        self._wake.set()

    async def planned(self, content_id: int, at: datetime | None) -> None:
        """A wake-up at the item's time (None: it is no longer approved)."""
        if self._scheduler is None:
            return
        job_id = f"social-content-{content_id}"
        if at is None:
            with contextlib.suppress(Exception):  # JobLookupError: none was planned
                await asyncio.to_thread(self._scheduler.remove_job, job_id)
            return
        await asyncio.to_thread(
            self._scheduler.add_job, TARGET, trigger="date", run_date=at, args=[self._key],
            id=job_id, replace_existing=True,
        )  # fmt: skip
        self.wake()

    def job_ids(self) -> list[str]:
        return [] if self._scheduler is None else [j.id for j in self._scheduler.get_jobs()]

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.run_due(self.clock())
                await self.reports_due(self.clock())
                if self._results_due:
                    self._results_due = False
                    await self.fetch_results(self.clock())
                if self._digest_due:  # Monday 08:00: last week's digest, a draft to edit
                    self._digest_due = False
                    await digest.ensure_draft(self.sessions, self.settings, self.clock())
            except Exception:  # a round must not end the loop; the next one tries again
                log.exception("social publishing round failed")

    # --- a round ----------------------------------------------------------------------
    async def run_due(self, now: datetime) -> list[Outcome]:
        async with self._lock:
            ahead = now + timedelta(seconds=SCHEDULE_MAX_S)
            async with self.sessions() as session:
                stmt = select(Content.id).where(
                    Content.status.in_(("approved", "scheduled")), Content.planned_at <= ahead
                )
                ids = (await session.scalars(stmt.order_by(Content.planned_at))).all()
            out = []
            for content_id in ids:
                outcome = await self._one(content_id, now)
                if outcome is not None:
                    out.append(outcome)
            return out

    async def _one(self, content_id: int, now: datetime) -> Outcome | None:
        async with self.sessions() as session, session.begin():
            row = await session.get(Content, content_id, with_for_update=True)
            if row is None or row.status not in ("approved", "scheduled"):
                return None
            due = row.planned_at <= now
            lead = (row.planned_at - now).total_seconds()
            to_schedule = ("facebook" in row.channels and row.facebook_id is None
                           and lead >= SCHEDULE_MIN_S + 60)  # fmt: skip
            if not due and not to_schedule:
                return None
            before = row.status
            try:
                if to_schedule:
                    await self._facebook(row, at=row.planned_at)
                    row.status = "scheduled"
                else:
                    await self._publish(row, now)
                    row.status, row.published_at = "published", now
                row.error = ""
            except (PublishError, BroadcastError, OSError) as exc:
                row.error = str(exc)[:2000]
                late = (now - row.planned_at).total_seconds() > self.settings.social_publish_grace_s
                if due and late:
                    row.status = "failed"
                log.warning("calendar item %s: %s", row.id, exc)
            row.updated_at = now
            if row.status != before:
                detail = {"error": row.error, "facebook_id": row.facebook_id,
                          "line_request_id": row.line_request_id}  # fmt: skip
                session.add(AuditEntry(user_id=None, username="scheduler", detail=detail,
                                       action=f"content_{row.status}",
                                       target=f"content:{row.id}"))  # fmt: skip
            return Outcome(row.id, row.status, row.error)

    async def _publish(self, row: Content, now: datetime) -> None:
        if "facebook" in row.channels:
            if row.facebook_id is None:
                await self._facebook(row, at=None)
            elif row.facebook_post_id is None or row.status == "scheduled":
                assert self.page is not None
                out, post_id = await self.page.is_out(row.facebook_id, kind=row.kind)
                if not out:
                    raise PublishError("Facebook has not published the scheduled post yet")
                row.facebook_post_id = post_id or row.facebook_post_id
        if "line" in row.channels and row.line_request_id is None:
            if self.line is None:
                raise BroadcastError("LINE broadcast is not configured (social_line_token)")
            image = None
            if row.asset_key and (row.asset_type or "").startswith("image/"):
                image = await asyncio.to_thread(assets.url, self.s3, self.settings, row.asset_key)
            text = f"{row.title}\n\n{row.body}"
            if row.kind == "video" and row.facebook_post_id:
                text += f"\n\nhttps://www.facebook.com/{row.facebook_post_id}"
            key = str(uuid.uuid5(RETRY_KEYS, f"content-{row.id}"))
            row.line_request_id = await self.line.broadcast(text, image, retry_key=key)

    async def _facebook(self, row: Content, *, at: datetime | None) -> None:
        if self.page is None:
            raise PublishError("Facebook publishing is not configured (social_page_id)")
        asset = None
        if row.asset_key:
            data = await asyncio.to_thread(assets.get, self.s3, self.settings, row.asset_key)
            asset = Asset(
                name=row.asset_name or "file", content_type=row.asset_type or "", data=data
            )
        placed = await self.page.place(kind=row.kind, message=row.body, title=row.title,
                                       asset=asset, at=at)  # fmt: skip
        row.facebook_id, row.facebook_post_id = placed.id, placed.post_id

    async def reports_due(self, now: datetime) -> list[PublishingReport]:
        """Last month's publishing report once due (the 10th, 10:00), built once, e-mailed."""
        built = await report.due(sessions=self.sessions, settings=self.settings, s3=self.s3,
                                 now=now)  # fmt: skip
        for row in built:
            try:
                await report.mail(sessions=self.sessions, settings=self.settings, s3=self.s3,
                                  row=row, now=now)  # fmt: skip
            except OSError:
                log.exception("publishing report e-mail not sent")
        return built

    async def fetch_results(self, now: datetime) -> int:
        """Reach, reactions and shares of what went out to Facebook in the last days."""
        if self.page is None:
            return 0
        since = now - timedelta(days=self.settings.social_results_days)
        async with self.sessions() as session:
            stmt = select(Content).where(
                Content.status == "published", Content.published_at >= since,
                or_(Content.facebook_post_id.is_not(None), Content.facebook_id.is_not(None)),
            )  # fmt: skip
            rows = (await session.scalars(stmt)).all()
        done = 0
        for row in rows:
            try:
                post_id = row.facebook_post_id
                if post_id is None and row.facebook_id is not None:
                    _, post_id = await self.page.is_out(row.facebook_id, kind=row.kind)
                if post_id is None:
                    continue
                results = await self.page.results(post_id)
            except PublishError as exc:
                log.warning("results of calendar item %s: %s", row.id, exc)
                continue
            async with self.sessions() as session, session.begin():
                stored = await session.get(Content, row.id)
                if stored is None:
                    continue
                stored.facebook_post_id = post_id
                stored.reach, stored.reactions = results.reach, results.reactions
                stored.shares, stored.results_at = results.shares, now
            done += 1
        return done


def now() -> datetime:
    return datetime.now(UTC)


def build(
    *,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    s3: Minio,
    line: LineBroadcaster | None = None,
) -> Publishing:
    """From the settings: the Page when social_page_id is set, LINE when social_line_token is
    (or `line`: the chat desk's broadcast path, once it has one); a channel that is not set
    up fails the items meant for it (with that said)."""
    client = httpx.AsyncClient(timeout=settings.social_http_timeout_s)
    page = None
    if settings.social_page_id:
        page = PagePublisher(
            base_url=settings.social_graph_url, page_id=settings.social_page_id, client=client,
            access_token=settings.social_facebook_token.get_secret_value(),
        )  # fmt: skip
    if line is None and settings.social_line_token.get_secret_value():
        line = SdkLineBroadcaster(
            host=settings.social_line_url,
            access_token=settings.social_line_token.get_secret_value(),
        )
    return Publishing(
        settings=settings, sessions=sessions, s3=s3, page=page, line=line, clock=now,
        job_store_url=settings.sync_database_url if settings.social_publish else None,
        client=client,
    )  # fmt: skip
