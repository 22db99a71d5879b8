"""The pack scheduler with its clock moved (never waited for): every kind built when due,
stored in a versioned S3 bucket, listed, e-mailed to a real SMTP server; missed packs after
an outage built once; late and failed packs alerted once; a rebuild is a new revision."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from callcenter.config import Settings
from callcenter.reports import build as pack_build
from callcenter.reports import catalogue, periods, wiring
from callcenter.reports.overdue import OverduePacks
from callcenter.reports.periods import Kind
from callcenter.reports.scheduler import PackScheduler
from recordings.storage import make_minio
from tests.integration.conftest import own_database
from tests.integration.smtp_support import Sink, running_sink

pytestmark = pytest.mark.integration
BKK = ZoneInfo("Asia/Bangkok")
BOSS = "contract-manager@reports.test"


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    with running_sink() as sink:
        yield sink


@pytest.fixture
def report_settings(settings: Settings, smtp_sink: Sink, tmp_path: Path) -> Iterator[Settings]:
    (tmp_path / "queue_log").write_text("")
    base = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1", "smtp_port": smtp_sink.port, "report_recipients": BOSS,
            "smtp_timeout_s": 5.0, "queue_log_path": tmp_path / "queue_log",
            "report_bucket": f"reports-test-{uuid.uuid4().hex[:8]}", "report_schedule": False,
        }
    )  # fmt: skip
    with own_database(base, "callcenter_reports") as own:
        yield own
    s3 = make_minio(base)
    if s3.bucket_exists(base.report_bucket):
        for o in s3.list_objects(base.report_bucket, recursive=True, include_version=True):
            s3.remove_object(base.report_bucket, o.object_name, version_id=o.version_id)
        s3.remove_bucket(base.report_bucket)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 1, 10, 9, 59, tzinfo=BKK)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def scheduler(report_settings: Settings) -> AsyncIterator[tuple[PackScheduler, Clock]]:
    from callcenter import centre
    from callcenter.db import make_db_engine, make_sessionmaker
    from callcenter.kpi import service as kpi_service

    engine = make_db_engine(report_settings.database_url)
    layout = centre.load(report_settings.conf_dir)
    config = kpi_service.metrics_config(layout, sl_threshold_s=15, short_abandon_s=5)
    sched = wiring.build(
        settings=report_settings, sessions=make_sessionmaker(engine),
        s3=make_minio(report_settings), config=config,
    )  # fmt: skip
    clock = Clock()
    sched.clock = clock
    await sched.start()
    yield sched, clock
    await sched.stop()
    await engine.dispose()


def built(outcomes: list[Any]) -> set[tuple[str, str]]:
    return {(o.kind, o.period) for o in outcomes if o.status == "built"}


def of(outcomes: list[Any], status: str) -> set[tuple[str, str]]:
    return {(o.kind, o.period) for o in outcomes if o.status == status}


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): part.get_payload(decode=True)
        for part in message.iter_attachments()
    }


async def test_every_pack_when_due_stored_listed_mailed_and_caught_up_once(
    scheduler: tuple[PackScheduler, Clock], smtp_sink: Sink
) -> None:
    sched, clock = scheduler
    # 2027-01-10 09:59 Bangkok, an empty catalogue: the last pack of each kind that is due.
    first = await sched.catch_up(clock.now)
    assert built(first) == {
        ("daily", "2027-01-08"), ("weekly", "2026-W53"), ("monthly", "2026-11"), ("annual", "2025")
    }, first  # fmt: skip
    assert not of(first, "late")  # nothing was owed before the scheduler ran
    # 10:00: yesterday's daily, December's monthly and 2026's annual fall due.
    clock.now = datetime(2027, 1, 10, 10, 0, tzinfo=BKK)
    second = await sched.catch_up(clock.now)
    assert built(second) == {("daily", "2027-01-09"), ("monthly", "2026-12"), ("annual", "2026")}
    assert not of(second, "late")
    assert await sched.catch_up(clock.now) == []  # built once

    # Delivered: one mail per pack, with exactly that pack's files attached.
    mails = {m["Subject"]: m for _, m in smtp_sink.messages}
    assert len(smtp_sink.messages) == 7
    for kind, period in built(first) | built(second):
        mail = mails[f"[1212 report] {kind} {period}"]
        stems = [stem for stem, _, _ in pack_build.FILES[Kind(kind)]]
        assert sorted(attachments(mail)) == sorted(f"{kind}-{period}-th-{s}" for s in stems)
    assert all(to == [BOSS] for to, _ in smtp_sink.messages)

    # Listed with the S3 objects' checksums; the stored bytes are the mailed bytes.
    async with sched.sessions() as session:
        rows = await catalogue.listing(session)
    assert len(rows) == 7 and all(r.status == "built" and r.revision == 1 for r in rows)
    daily = next(r for r in rows if (r.kind, r.period) == ("daily", "2027-01-09"))
    assert daily.complete is True and daily.emailed_at is not None and len(daily.sha256) == 64
    mailed = attachments(mails["[1212 report] daily 2027-01-09"])
    for f in daily.files:
        content = await sched.store.get(f["key"], f["version_id"])
        assert (
            hashlib.sha256(content).hexdigest()
            == f["sha256"]
            == hashlib.sha256(mailed[f["name"]]).hexdigest()
        )
    sheet = load_workbook(io.BytesIO(mailed["daily-2027-01-09-th-service-results.xlsx"]))
    assert "มกราคม 2570" in str(sheet.worksheets[0]["B1"].value or sheet.worksheets[0]["A2"].value)

    # An outage: the service is back on 13 January at 10:05. Each missed pack once; the
    # ones past due by more than 30 minutes are alerted as late, once.
    smtp_sink.messages.clear()
    clock.now = datetime(2027, 1, 13, 10, 5, tzinfo=BKK)
    third = await sched.catch_up(clock.now)
    assert built(third) == {
        ("daily", "2027-01-10"), ("daily", "2027-01-11"), ("daily", "2027-01-12"),
        ("weekly", "2027-W01"),
    }  # fmt: skip
    assert of(third, "late") == {
        ("daily", "2027-01-10"),
        ("daily", "2027-01-11"),
        ("weekly", "2027-W01"),
    }
    late = [m["Subject"] for _, m in smtp_sink.messages if "late" in m["Subject"]]
    assert sorted(late) == sorted(
        f"[1212 report late] {k} {p}: Report pack is late" for k, p in of(third, "late")
    )
    clock.now += timedelta(minutes=5)
    assert await sched.catch_up(clock.now) == []


async def test_a_failed_pack_is_alerted_once_retried_and_a_rebuild_is_a_new_version(
    scheduler: tuple[PackScheduler, Clock], smtp_sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    sched, clock = scheduler
    await sched.catch_up(clock.now)
    smtp_sink.messages.clear()
    clock.now = datetime(2027, 1, 10, 10, 0, tzinfo=BKK)
    daily_files = pack_build.FILES[Kind.daily]

    def broken(_: object) -> bytes:
        raise RuntimeError("template missing")

    monkeypatch.setitem(pack_build.FILES, Kind.daily, (("daily-report.pptx", broken, "x/y"),))
    failed = await sched.catch_up(clock.now)
    assert of(failed, "failed") == {("daily", "2027-01-09")}
    clock.now += timedelta(minutes=5)
    again = await sched.catch_up(clock.now)
    assert of(again, "failed") == {("daily", "2027-01-09")}  # tried again ...
    alerts = [m for _, m in smtp_sink.messages if "failed" in m["Subject"]]
    assert len(alerts) == 1  # ... and alerted once
    assert "template missing" in str(alerts[0].get_body(("plain",)).get_content())  # type: ignore[union-attr]
    # The wallboard's alert check shows it until the pack is built.
    board = OverduePacks(sched.sessions, every_s=0)
    assert [a.id for a in await board(0.0)] == ["report_failed:daily:2027-01-09:th"]
    monkeypatch.setitem(pack_build.FILES, Kind.daily, daily_files)
    clock.now += timedelta(minutes=5)
    assert built(await sched.catch_up(clock.now)) == {("daily", "2027-01-09")}
    assert await board(1.0) == []

    # A rebuild (a supervisor's): revision 2, a new version of the same S3 objects.
    day = periods.parse("daily", "2027-01-09")
    row = await sched.build(day, lang="th", now=clock.now, trigger="rebuild", by="sup1")
    async with sched.sessions() as session:
        first = await catalogue.latest_built(session, kind="daily", lang="th", period=day.name)
        rows = [r for r in await catalogue.listing(session) if r.period == day.name]
    assert row.revision == 2 and first is not None and first.revision == 2
    one = next(r for r in rows if r.revision == 1)
    assert [f["key"] for f in one.files] == [f["key"] for f in row.files]
    assert {f["version_id"] for f in one.files}.isdisjoint(f["version_id"] for f in row.files)
    for f in one.files:  # the first revision is still there, as it was
        assert (
            hashlib.sha256(await sched.store.get(f["key"], f["version_id"])).hexdigest()
            == (f["sha256"])
        )


async def test_due_times_live_in_the_persistent_job_store(report_settings: Settings) -> None:
    from callcenter import centre
    from callcenter.db import make_db_engine, make_sessionmaker
    from callcenter.kpi import service as kpi_service

    own = report_settings.model_copy(
        update={"report_schedule": True, "report_start_delay_s": 3600.0}
    )
    engine = make_db_engine(own.database_url)
    config = kpi_service.metrics_config(
        centre.load(own.conf_dir), sl_threshold_s=15, short_abandon_s=5
    )
    try:
        for _ in range(2):  # a restart keeps one job of each, not two
            sched = wiring.build(
                settings=own, sessions=make_sessionmaker(engine), s3=make_minio(own), config=config
            )
            await sched.start()
            await sched.stop()
        async with engine.connect() as conn:
            jobs = dict(
                (await conn.execute(text("SELECT id, next_run_time FROM report_jobs"))).all()
            )
    finally:
        await engine.dispose()
    assert set(jobs) == {"report-packs-due", "report-packs-check"}
    due = datetime.fromtimestamp(jobs["report-packs-due"], BKK)
    assert (due.hour, due.minute, due.second) == (10, 0, 0)
    assert timedelta(0) < due - datetime.now(BKK) <= timedelta(days=1)
