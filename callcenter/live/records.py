"""Batched writer of queue-call records (kpi-v1) into PostgreSQL, and today's book in memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.background import Background
from callcenter.calls import service as calls_service
from queue_metrics.records import CallRecord

log = logging.getLogger(__name__)

RecordKey = tuple[str, str, int]


def key_of(record: CallRecord) -> RecordKey:
    """Identity of a queue call across sources: caller channel, queue, entry second."""
    return record.call_id, record.queue, int(record.entered_at)


class BookWatcher(Protocol):
    """Told of every change of the book, in order (the wallboard's running KPIs)."""

    def put(self, key: RecordKey, record: CallRecord) -> None: ...

    def forget(self, key: RecordKey) -> None: ...


class RecordBook:
    """The latest version of each recent queue call (for live KPIs), bounded by age."""

    def __init__(self) -> None:
        self._records: dict[RecordKey, CallRecord] = {}
        self._watchers: list[BookWatcher] = []

    def watch(self, watcher: BookWatcher) -> None:
        self._watchers.append(watcher)

    def put(self, record: CallRecord) -> None:
        key = key_of(record)
        self._records[key] = record
        for watcher in self._watchers:
            watcher.put(key, record)

    def items(self) -> list[tuple[RecordKey, CallRecord]]:
        return list(self._records.items())

    def near(self, call_id: str, queue: str, entered_at: float, within: float) -> CallRecord | None:
        """The version of the queue call that entered within `within` s of `entered_at`."""
        for second in range(int(entered_at - within), int(entered_at + within) + 1):
            record = self._records.get((call_id, queue, second))
            if record is not None and abs(record.entered_at - entered_at) <= within:
                return record
        return None

    def since(self, start: float) -> list[CallRecord]:
        return [r for r in self._records.values() if r.entered_at >= start]

    def forget_before(self, start: float) -> None:
        for key in [k for k, r in self._records.items() if r.entered_at < start]:
            del self._records[key]
            for watcher in self._watchers:
                watcher.forget(key)

    def __len__(self) -> int:
        return len(self._records)


class RecordWriter(Background):
    """Upserts records in batches; a failed flush keeps its records and retries."""

    task_name = "record-writer"

    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], flush_interval_s: float = 1.0
    ) -> None:
        self._sessions = sessions
        self._interval = flush_interval_s
        self._pending: dict[RecordKey, CallRecord] = {}
        self.written = 0
        self.last_error: str | None = None

    def add(self, records: Iterable[CallRecord]) -> None:
        """Queue records (a newer version of the same call replaces the older)."""
        for record in records:
            self._pending[key_of(record)] = record

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        try:
            async with self._sessions() as session, session.begin():
                await calls_service.upsert(session=session, records=batch.values(), source="ami")
        except BaseException:
            self._pending = {**batch, **self._pending}
            raise
        self.written += len(batch)
        self.last_error = None

    async def _stopped(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("storing call records failed, will retry: %s", self.last_error)
