"""The report's figures come out of PostgreSQL (callcenter/calls/tallies.py); they must be the
figures queue_metrics counts call by call from the same stored calls, to the last field: per
queue, for the centre (caller calls across transfers), per interval of every size, per agent,
by wait band, and the completeness checksum against queue_log's."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls import agent_time, tallies
from callcenter.calls import service as calls_service
from callcenter.cases import kpi as case_kpi
from callcenter.cases import privacy
from callcenter.cases.models import CaseCall
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.kpi import service as kpi_service
from callcenter.reconcile.service import digest
from queue_metrics.agent_time import MemberEvent
from queue_metrics.agent_time import time_in_states as reference_time
from queue_metrics.config import MetricsConfig
from queue_metrics.records import CallRecord, Outcome
from tests.integration.conftest import own_database

pytestmark = pytest.mark.integration

QUEUES = ("online-shopping", "illegal-websites", "cyber-threats", "general-enquiries")
CONFIG = MetricsConfig(
    sl_threshold_s=15, short_abandon_s=5, wrapup_s={}, queues=QUEUES, tz="Asia/Bangkok"
)
# Local midnight of a Monday in Bangkok; the calls spread over 40 days from there.
T0 = datetime(2026, 3, 2, tzinfo=UTC).timestamp() - 7 * 3600
SPAN_S = 40 * 86400


def _phone(i: int) -> str:
    """A caller's number as Asterisk may give it: 08..., or +66 8... for every seventh."""
    return f"+66 8{i:08d}" if i % 7 == 0 else f"08{i:08d}"


def generated_calls(seed: int, callers: int) -> list[CallRecord]:
    """Caller calls of one to three queue calls (transfers), every outcome, unknown waits,
    calls still in talk or still waiting, a queue the layout no longer has, interval edges."""
    rnd = random.Random(seed)
    out: list[CallRecord] = []
    outcomes = list(Outcome)
    for i in range(callers):
        at = T0 + rnd.random() * SPAN_S
        if i % 50 == 0:
            at = T0 + rnd.randrange(SPAN_S // 900) * 900  # exactly on a quarter's edge
        linkedid = f"c{seed}-{i}"
        for part in range(rnd.choices((1, 2, 3), weights=(80, 15, 5))[0]):
            queue = rnd.choice((*QUEUES, "retired-queue") if i % 40 == 0 else QUEUES)
            outcome: Outcome | None = rnd.choices(outcomes, weights=(70, 12, 5, 4, 3, 6))[0]
            if i % 97 == 0 and part == 0:
                outcome = None  # still waiting
            wait = (
                None
                if rnd.random() < 0.05
                else rnd.choice((0, 3, 5, 6, 15, 16, rnd.randrange(400)))
            )
            answered = outcome is Outcome.answered
            talk = (None if rnd.random() < 0.05 else rnd.randrange(30, 900)) if answered else None
            out.append(
                CallRecord(
                    call_id=f"{linkedid}.{part}", linkedid=linkedid if part or i % 3 else "",
                    queue=queue, entered_at=at, caller=_phone(i), outcome=outcome,
                    wait_s=wait if outcome is not None else None,
                    ended_at=at + (wait or 0) + (talk or 0) if outcome is not None else None,
                    agent=(f"agent{rnd.randrange(8):02d}" if rnd.random() > 0.02 else "")
                    if answered else None,
                    answered_at=at + (wait or 0) if answered else None,
                    talk_s=talk, hold_s=rnd.randrange(60) if answered else 0,
                    wrapup_s=rnd.randrange(40) if answered else 0,
                )
            )  # fmt: skip
            at += (wait or 0) + (talk or 0) + rnd.random() * 5
    return out


@pytest.fixture(scope="module")
async def stored(settings: Settings) -> AsyncIterator[tuple[object, list[CallRecord]]]:
    """A private database holding the generated calls, and the calls as read back."""
    with own_database(settings, "callcenter_kpisql") as own:
        engine = make_db_engine(own.database_url)
        sessions = make_sessionmaker(engine)
        calls = generated_calls(seed=1212, callers=1500)
        async with sessions() as session, session.begin():
            await calls_service.upsert(session=session, records=calls, source="ami")
        async with sessions() as session, session.begin():
            await _store_cases(session, calls, seed=1212)
            await agent_time.store(session=session, events=generated_shifts(seed=1212))
        start, end = _bounds()
        async with sessions() as session:
            back = list(await calls_service.between(session=session, start=start, end=end))
        assert len(back) == len(calls)
        try:
            yield sessions, back
        finally:
            await engine.dispose()


_CASE_SQL = text("""
INSERT INTO cases (number, channel, status, caller_name, caller_phone, caller_phone_norm,
    caller_email, caller_national_id, service_line, description, shop_name, platform, url,
    resolution, fcr_flag, success_flag, created_at, updated_at, search_doc, voided_at)
VALUES (:number, 'phone', :status, '', '', :caller, '', '', :line, 'generated', '', '', '',
    '', :flag, false, :at, :at, '', :voided)
RETURNING id
""")


async def _store_cases(session: AsyncSession, calls: list[CallRecord], *, seed: int) -> None:
    """Cases opened during some of the calls (a few callers come back: repeats), in every
    status, some voided, some with no number; linked to none, one or two calls."""
    rnd = random.Random(seed)
    statuses = ("new", "in_progress", "referred", "resolved", "closed", "closed")
    previous = ("", "", datetime.fromtimestamp(T0, tz=UTC))
    for n in range(500):
        call = rnd.choice(calls[: len(calls) // 3])  # the same callers, so repeats happen
        caller = "" if n % 10 == 0 else privacy.normalise_phone(call.caller)
        line = call.queue if call.queue in QUEUES else "digital-law"
        opened = datetime.fromtimestamp(call.entered_at + rnd.randrange(-3600, 3600), tz=UTC)
        voided = n % 25 == 1
        if voided:  # a voided case of the caller before: not a repeat of theirs
            caller, line, opened = previous[0], previous[1], previous[2] + timedelta(hours=1)
        previous = (caller, line, opened)
        case_id = (
            await session.execute(
                _CASE_SQL,
                {
                    "number": f"T-{n}", "status": rnd.choice(statuses), "caller": caller,
                    "line": line, "flag": rnd.random() < 0.7, "at": opened,
                    "voided": opened if voided else None,
                },
            )
        ).scalar_one()  # fmt: skip
        for linked in rnd.sample([call, rnd.choice(calls)], k=rnd.choice((0, 1, 1, 2))):
            session.add(CaseCall(case_id=case_id, linkedid=linked.linkedid or linked.call_id))


PAUSE_REASONS = ("break", "lunch", "training", "after-call")


def generated_shifts(seed: int) -> list[MemberEvent]:
    """Ten agents' shifts over the days of the calls: log-ins to two or three queues (some a
    queue later), pauses for reasons (some in one queue only), rings not answered, and a few
    agents who never log out; whole seconds, as queue_log writes them."""
    rnd = random.Random(seed)
    out: list[MemberEvent] = []
    for day in range(SPAN_S // 86400):
        for a in range(10):
            agent = f"agent{a:02d}"
            at = T0 + day * 86400 + rnd.randrange(0, 20 * 3600)
            queues = rnd.sample(QUEUES, k=rnd.choice((2, 3)))

            def add(
                dt: int, kind: str, queue: str, reason: str = "", at: int = at, agent: str = agent
            ) -> None:
                out.append(MemberEvent(float(at + dt), agent, queue, kind, reason))

            for i, q in enumerate(queues):
                add(i * rnd.choice((0, 0, 600)), "add", q)
            t = 900
            for _ in range(rnd.randrange(4)):
                reason = rnd.choice(PAUSE_REASONS)
                length = rnd.randrange(60, 3600)
                for q in queues if rnd.random() < 0.8 else queues[:1]:
                    add(t, "pause", q, reason)
                    add(t + length, "unpause", q)
                add(t + length + 30, "rna", rnd.choice(queues))
                t += length + rnd.randrange(600, 7200)
            if (day + a) % 9:  # some stay logged in
                for q in queues:
                    add(t + rnd.randrange(0, 3), "remove", q)
    return sorted(out, key=lambda e: e.at)


def _bounds() -> tuple[datetime, datetime]:
    return (
        datetime.fromtimestamp(T0 - 86400, tz=UTC),
        datetime.fromtimestamp(T0 + SPAN_S + 86400, tz=UTC),
    )


@pytest.mark.parametrize("interval", [None, "15m", "hour", "day", "week", "month", "year"])
@pytest.mark.parametrize("queue", [None, "cyber-threats"])
async def test_sql_figures_equal_the_figures_counted_call_by_call(
    stored: tuple[object, list[CallRecord]], interval: str | None, queue: str | None
) -> None:
    sessions, records = stored
    # a period that cuts through the calls (and through transferred callers) on both sides
    start = datetime.fromtimestamp(T0 + 3 * 86400 + 1234.5, tz=UTC)
    end = start + timedelta(days=30, hours=5)
    inside = [r for r in records if start.timestamp() <= r.entered_at < end.timestamp()]
    size = kpi_service.INTERVALS[interval] if interval else None
    sums = await tallies.period(
        sessions=sessions,  # type: ignore[arg-type]
        start=start, end=end, config=CONFIG, size=size,
    )  # fmt: skip
    from_sql = kpi_service.assemble(
        sums, config=CONFIG, queue=queue, size=size, complete=True, detail=True
    )
    counted = kpi_service.report(
        inside, config=CONFIG, queue=queue, interval=interval, complete=True, detail=True
    )
    assert from_sql == counted
    headline = await _headline(sessions, start, end, queue=queue, size=size)
    assert headline == kpi_service.report(
        inside, config=CONFIG, queue=queue, interval=interval, complete=True, detail=False
    )
    # and the figures are not empty: transfers, abandons and agents all counted
    assert from_sql["offered"] > 100 and from_sql["abandoned"] > 5
    assert from_sql["short_abandoned"] > 0 and from_sql["answered_within_sl"] > 0
    assert len(from_sql["agents"]) == 8
    if interval in ("15m", "hour", "day"):
        assert len(from_sql["intervals"]) > 20


@pytest.mark.parametrize("queue", [None, "cyber-threats"])
async def test_case_figures_in_sql_equal_the_cases_counted_one_by_one(
    stored: tuple[object, list[CallRecord]], queue: str | None
) -> None:
    sessions, _ = stored
    start = datetime.fromtimestamp(T0 + 2 * 86400, tz=UTC)
    end = start + timedelta(days=31)
    async with sessions() as session:  # type: ignore[attr-defined]
        from_sql = await case_kpi.figures(session=session, start=start, end=end, queue=queue)
        counted = await case_kpi.counted_figures(session=session, start=start, end=end, queue=queue)
    assert from_sql == counted
    # repeats and calls of their own keep some closed cases from counting as first-contact
    assert 0 < from_sql["cases_fcr"] < from_sql["cases_closed"] < from_sql["cases_opened"]


async def _headline(
    sessions: Any, start: datetime, end: datetime, *, queue: str | None, size: Any
) -> dict[str, Any]:
    """The figures without the per-agent and wait-band detail (a pack's previous period)."""
    sums = await tallies.period(
        sessions=sessions, start=start, end=end, config=CONFIG, size=size, detail=False
    )
    return kpi_service.assemble(sums, config=CONFIG, queue=queue, size=size, complete=True)


@pytest.mark.parametrize(
    ("from_day", "hours", "queue"),
    [(0, 24 * 45, None), (3.4, 24 * 7 + 5, None), (10.55, 30, "cyber-threats"), (20, 6, None)],
)
async def test_agent_time_in_sql_equals_the_events_counted_one_by_one(
    stored: tuple[object, list[CallRecord]], from_day: float, hours: int, queue: str | None
) -> None:
    sessions, _ = stored
    start = datetime.fromtimestamp(T0 + from_day * 86400, tz=UTC)
    stop = start + timedelta(hours=hours)
    async with sessions() as session:  # type: ignore[attr-defined]
        from_sql = await agent_time.time_in_states(
            session=session, start=start, stop=stop, queue=queue
        )
    counted = reference_time(
        generated_shifts(seed=1212), start=start.timestamp(), stop=stop.timestamp(), queue=queue
    )
    assert from_sql == counted
    assert sum(t.logged_in_s for t in counted.values()) > 3600
    if hours > 24:
        assert any(t.paused_by_reason for t in counted.values())


async def test_the_checksum_is_queue_logs_and_changes_with_one_second_of_wait(
    stored: tuple[object, list[CallRecord]],
) -> None:
    sessions, records = stored
    start, end = _bounds()
    async with sessions() as session:  # type: ignore[attr-defined]
        ours = await tallies.digest(session=session, start=start, end=end)
    assert ours == digest(records)
    assert ours[0] == sum(1 for r in records if r.finished) > 1000
    one = next(r for r in records if r.finished and r.wait_s is not None)
    changed = [r.with_(wait_s=(r.wait_s or 0) + 1) if r is one else r for r in records]
    assert digest(changed)[0] == ours[0] and digest(changed) != ours
