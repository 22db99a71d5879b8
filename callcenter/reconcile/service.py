"""Reconciliation: Asterisk's queue_log is the second source of every queue call.

After a gap (service down, AMI lost) the stored calls are completed from queue_log, so
no call is missing or counted twice; `is_complete` says whether both sources agree.

queue_log is followed with `QueueLogTailer`: each round parses only the lines written
since the last one and folds them into the records built so far, so a round costs in
proportion to the new lines, not to the file. The position lives as long as the
process: a fresh start reads the file once from the beginning, because the calls
still open behind the position, and the older periods `is_complete` may be asked about,
are needed again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.background import Background
from callcenter.calls import agent_time
from callcenter.calls import service as calls_service
from callcenter.config import Settings
from callcenter.live.records import RecordBook
from callcenter.reconcile.members import member_event
from callcenter.reconcile.recount import Builder
from callcenter.reconcile.tailer import QueueLogTailer, TailPosition
from queue_metrics.agent_time import MemberEvent
from queue_metrics.config import MetricsConfig
from queue_metrics.records import CallRecord

log = logging.getLogger(__name__)

MATCH_S = calls_service.SAME_ENTRY_S  # one queue entry in AMI and queue_log (see there)
LOOKBACK_S = 2 * 86400.0
GRACE_S = 5.0  # the live path stores a call within this; only older gaps are filled
PRUNE_S = 3600.0  # how often calls older than LOOKBACK_S leave the settled set


class Marks(Protocol):
    def set_complete(self, complete: bool | None) -> None: ...


def _index(records: Iterable[CallRecord]) -> dict[tuple[str, str], list[CallRecord]]:
    index: dict[tuple[str, str], list[CallRecord]] = defaultdict(list)
    for r in records:
        index[(r.call_id, r.queue)].append(r)
    return index


def _match(index: dict[tuple[str, str], list[CallRecord]], r: CallRecord) -> CallRecord | None:
    for other in index.get((r.call_id, r.queue), ()):
        if abs(other.entered_at - r.entered_at) <= MATCH_S:
            return other
    return None


def _same(a: CallRecord, b: CallRecord) -> bool:
    return (a.outcome, a.wait_s, a.talk_s) == (b.outcome, b.wait_s, b.talk_s)


def agree(stored: Sequence[CallRecord], queue_log: Sequence[CallRecord]) -> bool:
    """True when every finished call of one source is in the other with the same figures."""
    mine = [r for r in stored if r.finished]
    theirs = [r for r in queue_log if r.finished]
    index = _index(mine)
    if len(mine) != len(theirs):
        return False
    return all((m := _match(index, r)) is not None and _same(m, r) for r in theirs)


def digest(records: Iterable[CallRecord]) -> tuple[int, int]:
    """(count, checksum) of the finished calls: the sum of a 60-bit md5 prefix of each one's
    caller channel, queue, outcome, wait and talk. Equal for two sources exactly when they hold
    the same calls with the same figures (as `agree` judges them; one caller channel does not
    enter one queue twice within MATCH_S). callcenter.calls.tallies.digest is its SQL twin."""
    n = total = 0
    for r in records:
        if not r.finished:
            continue
        assert r.outcome is not None
        key = "|".join(
            (
                r.call_id,
                r.queue,
                r.outcome.value,
                "" if r.wait_s is None else str(r.wait_s),
                "" if r.talk_s is None else str(r.talk_s),
            )
        )
        n += 1
        total += int(hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()[:15], 16)
    return n, total


def missing(
    stored: Sequence[CallRecord], queue_log: Sequence[CallRecord], *, before: float | None = None
) -> list[CallRecord]:
    """Finished calls of queue_log that the store lacks, holds unfinished, or holds with other
    figures (store's keys).

    queue_log's outcome, wait and talk win: Asterisk writes CONNECT's holdtime and
    AgentConnect's HoldTime from two reads of the clock (likewise the talk time at the end),
    so the two differ by a second when a second boundary passes between the reads (seen
    under load). The stored call keeps what only AMI knows (hold, answer time, linkedid).
    """
    index = _index(stored)
    fills = []
    for r in queue_log:
        if not r.finished or (before is not None and (r.ended_at or r.entered_at) > before):
            continue
        known = _match(index, r)
        if known is None:
            fills.append(r)
        elif not known.finished:
            fills.append(r.with_(entered_at=known.entered_at, linkedid=known.linkedid))
        elif not _same(known, r):
            fills.append(known.with_(outcome=r.outcome, wait_s=r.wait_s, talk_s=r.talk_s))
    return fills


class Reconciler(Background):
    """Reads queue_log, fills the store's gaps from it, and judges completeness."""

    task_name = "reconciler"

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        config: MetricsConfig,
        book: RecordBook | None = None,
        wallboard: Marks | None = None,
        interval_s: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions, self._config = sessions, config
        self._clock = clock  # epoch seconds; tests replaying recorded queue_log set their own
        self._book, self._wallboard, self._interval = book, wallboard, interval_s
        self._tailer = QueueLogTailer(settings.queue_log_file)
        self._builder = Builder(config.wrapup_s)
        self._members: list[MemberEvent] = []  # read from queue_log, not stored yet
        self._reading = threading.Lock()  # rounds and API requests read from worker threads
        self._settled: set[tuple[str, str, float]] = set()  # queue_log calls the book has
        self._pruned_at = 0.0
        self.filled = 0

    @property
    def position(self) -> TailPosition:
        return self._tailer.position

    def queue_log_records(self) -> list[CallRecord]:
        """Every queue call queue_log holds, after reading the lines written since last time.

        A rotated file (new inode) is drained, then the new one is read from 0 and its
        lines continue the same calls; calls that ended more than LOOKBACK_S ago are then
        forgotten (memory stays bounded by what the files hold, as a full read would be).
        A truncated file (shorter than the position) holds other lines now: what was built
        from it is dropped and it is read again from 0.
        """
        with self._reading:
            while True:
                batch = self._tailer.read_new()
                if batch.truncated:
                    self._builder = Builder(self._config.wrapup_s)
                elif batch.restarted:
                    self._builder.forget_ended_before(self._clock() - LOOKBACK_S)
                for entry in batch.entries:
                    self._builder.add(entry)
                    if (member := member_event(entry)) is not None:
                        self._members.append(member)
                if not batch.more:
                    break
            return list(self._builder.records)

    async def is_complete(
        self,
        *,
        start: datetime,
        end: datetime,
        records: Sequence[CallRecord],
        queue_log: Sequence[CallRecord] | None = None,
    ) -> bool:
        """The stored calls of [start, end) agree with queue_log's, call by call (`queue_log`:
        its records when the caller read them already)."""
        ql = queue_log if queue_log is not None else await self._read()
        lo, hi = start.timestamp(), end.timestamp()
        return agree(records, [r for r in ql if lo <= r.entered_at < hi])

    async def queue_log_digest(self, *, start: datetime, end: datetime) -> tuple[int, int]:
        """`digest` of queue_log's calls that entered in [start, end)."""
        lo, hi = start.timestamp(), end.timestamp()
        return digest(r for r in await self._read() if lo <= r.entered_at < hi)

    async def _read(self) -> list[CallRecord]:
        return await asyncio.to_thread(self.queue_log_records)

    async def fill(self, *, now: float, queue_log: Sequence[CallRecord] | None = None) -> int:
        """Store what queue_log knows and the store lacks; how many calls were filled.

        The book holds every call this process has stored or is storing (seeded from the
        store, then each live record, whose writer retries until it is stored, and each
        fill), so while it has every finished queue_log call the store is not read at all:
        only a gap (AMI lost, service down) costs the round a read of two days of calls.
        """
        ql = queue_log if queue_log is not None else await self._read()
        start = datetime.fromtimestamp(now - LOOKBACK_S, tz=UTC)
        recent = [r for r in ql if r.entered_at >= start.timestamp()]
        if self._book is not None and not self._unsettled(recent, before=now - GRACE_S):
            return 0
        async with self._sessions() as session, session.begin():
            stored = await calls_service.between(
                session=session, start=start, end=datetime.fromtimestamp(now + 60, tz=UTC)
            )
            fills = missing(stored, recent, before=now - GRACE_S)
            await calls_service.upsert(session=session, records=fills, source="queue_log")
        for record in fills:
            if self._book is not None:
                self._book.put(record)
        self.filled += len(fills)
        return len(fills)

    def _unsettled(self, queue_log: Sequence[CallRecord], *, before: float) -> list[CallRecord]:
        """Finished queue_log calls the book lacks, holds unfinished or holds with other figures
        (`missing` against the book); each one found the same there is not looked up again."""
        assert self._book is not None
        if before - self._pruned_at > PRUNE_S:
            self._settled = {k for k in self._settled if k[2] >= before - LOOKBACK_S}
            self._pruned_at = before
        out = []
        for r in queue_log:
            key = (r.call_id, r.queue, r.entered_at)
            if not r.finished or (r.ended_at or r.entered_at) > before or key in self._settled:
                continue
            known = self._book.near(r.call_id, r.queue, r.entered_at, MATCH_S)
            if known is not None and known.finished and _same(known, r):
                self._settled.add(key)
            else:
                out.append(r)
        return out

    async def _stopped(self) -> None:
        self._tailer.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self._round()
            except Exception:
                log.exception("reconciliation round failed")

    async def store_members(self) -> int:
        """Store the member events read from queue_log since the last call (kept for the next
        call if the store fails: none is lost)."""
        with self._reading:
            events, self._members = self._members, []
        try:
            async with self._sessions() as session, session.begin():
                return await agent_time.store(session=session, events=events)
        except Exception:
            with self._reading:
                self._members = events + self._members
            raise

    async def _round(self) -> None:
        now = self._clock()
        ql = await self._read()  # once per round, for both the fill and the agreement
        if await self.fill(now=now, queue_log=ql):
            log.info("filled calls from queue_log")
        await self.store_members()
        if self._book is not None:
            self._book.forget_before(now - LOOKBACK_S)
        if self._wallboard is not None and self._book is not None:
            start = datetime.fromtimestamp(now - LOOKBACK_S, tz=UTC)
            stored = self._book.since(start.timestamp())
            complete = await self.is_complete(
                start=start, end=datetime.fromtimestamp(now + 60, tz=UTC), records=stored,
                queue_log=ql,
            )  # fmt: skip
            self._wallboard.set_complete(complete)
