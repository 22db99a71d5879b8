"""Packs built when due, stored, listed, e-mailed; lateness and failures alerted; catch-up.

The catalogue is the truth: a round (`catch_up(now)`) builds, for every kind and language,
each period due by `now` that has no built pack yet: the last due one when the catalogue
has none of that kind, else every period after the newest built one (at most
`report_catch_up_max`): after an outage each missed pack is built once. A pack past its
due time by `report_late_after_s` is noted late and alerted once; a build that fails is
noted and alerted once, and tried again next round.

APScheduler (persistent job store `report_jobs`: callcenter.jobs) wakes the round at
10:00 Asia/Bangkok every day, every `report_check_s`, and once at start; a wake-up missed
while the service was down runs at once (coalesced). The clock is injected: tests move it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter import jobs
from callcenter.alerts.mailer import Mailer, parse_recipients
from callcenter.config import Settings
from callcenter.reports import build as pack_build
from callcenter.reports import catalogue, delivery, periods
from callcenter.reports.data import Sources
from callcenter.reports.models import ReportPack, Status
from callcenter.reports.store import PackStore

log = logging.getLogger(__name__)

JOB_TABLE = "report_jobs"
_TARGETS: dict[str, Callable[[], None]] = {}


async def fire(key: str) -> None:
    """The stored job: wake the round of this service."""
    target = _TARGETS.get(key)
    if target is not None:
        target()


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    period: str
    lang: str
    status: str  # built | failed | late
    revision: int | None = None


class PackScheduler:
    def __init__(
        self,
        *,
        settings: Settings,
        sources: Sources,
        store: PackStore,
        clock: Callable[[], datetime],
        job_store_url: str | None = None,
        key: str = "reports",
        isolated: Callable[[], tuple[Sources, AsyncEngine]] | None = None,
    ) -> None:
        """`isolated`: makes Sources of their own (an engine of their own) in a worker thread:
        a year's pack is seconds to minutes of Python, which must not stall the service's
        event loop (AMI, wallboard); the thread runs its own loop on those Sources."""
        self.settings, self.sources, self.store, self.clock = settings, sources, store, clock
        self.langs = tuple(x.strip() for x in settings.report_langs.split(",") if x.strip())
        self.recipients = parse_recipients(settings.report_recipients)
        self.mailer = Mailer(
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
            recipients=self.recipients, timeout_s=settings.smtp_timeout_s,
        )  # fmt: skip
        self._key, self._url = key, job_store_url
        self._isolated = isolated
        self._scheduler: AsyncIOScheduler | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.sources.sessions

    # --- the service's life ---------------------------------------------------------
    async def start(self) -> None:
        """Without a job store (report_schedule off): on-demand rebuilds only, no rounds.
        The packs' bucket is made before the first upload (S3 may be down at start)."""
        _TARGETS[self._key] = self._wake.set
        if self._url is not None:
            self._scheduler = jobs.start_persistent(self._url, JOB_TABLE)
            await asyncio.to_thread(self._jobs)
            self._loop = asyncio.create_task(self._run(), name="report-packs")

    def _jobs(self) -> None:
        assert self._scheduler is not None
        target = "callcenter.reports.scheduler:fire"
        self._scheduler.add_job(
            target, trigger="cron", hour=periods.DUE_HOUR, minute=0, args=[self._key],
            id="report-packs-due", replace_existing=True,
        )  # fmt: skip
        self._scheduler.add_job(
            target, trigger="interval", seconds=self.settings.report_check_s, args=[self._key],
            id="report-packs-check", replace_existing=True,
        )  # fmt: skip

    async def stop(self) -> None:
        _TARGETS.pop(self._key, None)
        await jobs.stop(self._scheduler, self._loop)

    async def _run(self) -> None:
        # The first round (packs missed while the service was down) once start-up has settled.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.settings.report_start_delay_s)
        self._wake.set()
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.catch_up(self.clock())
            except Exception:  # a round must not end the loop; the next one tries again
                log.exception("report pack round failed")

    # --- a round ----------------------------------------------------------------------
    async def catch_up(self, now: datetime) -> list[Outcome]:
        """Build every pack due by `now` that is not built yet (see the module's text)."""
        async with self._lock:
            done: list[Outcome] = []
            for kind in periods.Kind:
                for lang in self.langs:
                    todo, first = await self._missing(kind, lang, now)
                    for period in todo:
                        done += await self._one(period, lang, now, judge_late=not first)
            return done

    async def _missing(
        self, kind: periods.Kind, lang: str, now: datetime
    ) -> tuple[list[periods.Period], bool]:
        """The periods to build, and whether the catalogue had none of the kind yet (a first
        pack is not late: nothing was owed before the scheduler ran)."""
        tz = self.sources.tz
        target = periods.last_due(kind, now, tz)
        async with self.sessions() as session:
            newest = await catalogue.latest_built(session, kind=kind.value, lang=lang)
        if newest is None:
            return [target], True
        todo: list[periods.Period] = []
        period = periods.parse(kind, newest.period).next()
        while period.first <= target.first and len(todo) < self.settings.report_catch_up_max:
            todo.append(period)
            period = period.next()
        return todo, False

    async def _one(
        self, period: periods.Period, lang: str, now: datetime, *, judge_late: bool
    ) -> list[Outcome]:
        tz = self.sources.tz
        due = period.due(tz)
        out = []
        late = judge_late and (now - due).total_seconds() > self.settings.report_late_after_s
        if late and await self._note_once(period, lang, Status.late, due, now, ""):
            out.append(Outcome(period.kind.value, period.name, lang, Status.late.value))
        try:
            row = await self.build(period, lang=lang, now=now, trigger="schedule")
        except Exception as exc:
            log.exception("report pack %s %s failed", period.kind.value, period.name)
            await self._note_once(period, lang, Status.failed, due, now, repr(exc))
            out.append(Outcome(period.kind.value, period.name, lang, Status.failed.value))
            return out
        out.append(Outcome(period.kind.value, period.name, lang, Status.built.value, row.revision))
        return out

    async def _note_once(
        self, period: periods.Period, lang: str, status: Status, due: datetime, now: datetime,
        error: str,
    ) -> bool:  # fmt: skip
        key = {"kind": period.kind.value, "period": period.name, "lang": lang}
        async with self.sessions() as session, session.begin():
            if await catalogue.noted(session, status=status, **key):
                return False
            catalogue.note(session, status=status, due_at=due, at=now, error=error, **key)
        if self.recipients:
            message = delivery.alert_message(
                period, what=status.value, error=error, sender=self.settings.smtp_from,
                recipients=self.recipients,
            )  # fmt: skip
            try:
                await self.mailer.deliver([message])
            except OSError:
                log.exception("report alert e-mail not sent")
        return True

    async def build(
        self, period: periods.Period, *, lang: str, now: datetime, trigger: str, by: str = ""
    ) -> ReportPack:
        """Build a revision of the pack, store it in S3, list it, e-mail it."""
        key = {"kind": period.kind.value, "period": period.name, "lang": lang}
        async with self.sessions() as session:
            revision = await catalogue.next_revision(session, **key)
        built_at = now.astimezone(self.sources.tz)
        if self._isolated is None:
            pack = await pack_build.build(
                self.sources, period, lang=lang, built_at=built_at, revision=revision
            )
        else:
            make = self._isolated
            pack = await asyncio.to_thread(
                lambda: asyncio.run(_build_alone(make, period, lang, built_at, revision))
            )
        files = await self.store.put(pack)
        async with self.sessions() as session, session.begin():
            row = ReportPack(
                **key, status=Status.built.value, revision=revision, trigger=trigger,
                due_at=period.due(self.sources.tz), built_at=now, complete=pack.complete,
                sha256=pack.sha256, files=files, error="", built_by=by,
            )  # fmt: skip
            session.add(row)
        if self.recipients:
            message = delivery.pack_message(
                pack, sender=self.settings.smtp_from, recipients=self.recipients
            )
            try:
                sent = await self.mailer.deliver([message])
            except OSError:
                log.exception("report pack e-mail not sent")
                sent = [False]
            if all(sent):
                async with self.sessions() as session, session.begin():
                    stored = await session.get(ReportPack, row.id)
                    assert stored is not None
                    stored.emailed_at = self.clock()
                    row.emailed_at = stored.emailed_at
        return row


async def _build_alone(
    make: Callable[[], tuple[Sources, AsyncEngine]],
    period: periods.Period,
    lang: str,
    built_at: datetime,
    revision: int,
) -> pack_build.Pack:
    """In a worker thread's own event loop: Sources of its own, disposed after the build."""
    sources, engine = make()
    try:
        return await pack_build.build(
            sources, period, lang=lang, built_at=built_at, revision=revision
        )
    finally:
        await engine.dispose()
