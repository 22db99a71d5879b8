"""Batched, idempotent writer of AMI events into PostgreSQL (never a round trip per event).

A batch is one `INSERT ... SELECT FROM unnest(<one array per column>)`: a single
statement with seven parameters however many rows, so neither SQLAlchemy nor asyncpg
handles rows one by one. The headers are serialized once (canonical JSON): that text
is both the dedup key's input and the stored JSONB.

While PostgreSQL is down, rows do not pile up in memory: a failed flush appends them to
a journal file (one JSON row per line, fsynced), so they also survive a crash or restart
during the outage. The next flush replays the journal first, then deletes it; a replay
cut short is simply replayed again (the dedup key makes every insert idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.ami.events import Row, to_row
from callcenter.background import Background, wait_event

log = logging.getLogger(__name__)

MAX_BATCH = 5000  # rows per transaction: bounds one flush's time and memory
INSERT = """
WITH new AS (
    INSERT INTO ami_events (dedup_key, event, event_ts, linkedid, uniqueid, queue, headers)
    SELECT k, e, to_timestamp(ts), l, u, q, h::jsonb
    FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::text[], $6::text[],
                $7::text[]) AS t(k, e, ts, l, u, q, h)
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM new
"""


class EventWriter(Background):
    """Collects rows and flushes them in batches; a failed flush keeps its rows and retries."""

    task_name = "ami-event-writer"

    def __init__(
        self,
        *,
        db_engine: AsyncEngine,
        batch_size: int = 500,
        max_batch: int = MAX_BATCH,
        flush_interval_s: float = 1.0,
        retry_max_s: float = 5.0,
        journal: Path | None = None,
    ) -> None:
        self._db_engine = db_engine
        self._journal = journal
        self.journaled = _count_lines(journal)  # rows in the journal, not yet stored
        self._batch_size = batch_size
        self._max_batch = max_batch
        self._flush_interval = flush_interval_s
        self._retry_max = retry_max_s
        self._rows: list[Row] = []
        self._wake = asyncio.Event()
        self.written = 0
        self.last_error: str | None = None

    def add(self, headers: dict[str, str]) -> None:
        """Queue one event for storage (no I/O here)."""
        self._rows.append(to_row(headers, received_at=time.time()))
        if len(self._rows) >= self._batch_size:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._rows)

    async def _stopped(self) -> None:
        try:
            await self.flush()
        except Exception:
            with contextlib.suppress(OSError):
                await self._spill()

    async def flush(self) -> int:
        """Write the journal (if any), then the rows queued so far, at most `max_batch` per
        transaction; how many were new."""
        inserted = await self._replay() if self.journaled else 0
        left = len(self._rows)
        while left > 0 and self._rows:
            size = min(left, self._max_batch)
            inserted += await self._flush_batch(size)
            left -= size
        return inserted

    async def _flush_batch(self, size: int) -> int:
        batch, self._rows = self._rows[:size], self._rows[size:]
        try:
            inserted = await self._insert(batch)
        except BaseException:
            self._rows[:0] = batch
            raise
        return inserted

    async def _insert(self, batch: list[Row]) -> int:
        async with self._db_engine.connect() as conn:
            raw: Any = (await conn.get_raw_connection()).driver_connection
            async with raw.transaction():
                inserted = int(await raw.fetchval(INSERT, *map(list, zip(*batch, strict=True))))
        self.written += inserted
        self.last_error = None
        return inserted

    async def _spill(self) -> None:
        """Move the queued rows into the journal (nothing to do without one)."""
        if self._journal is None or not self._rows:
            return
        rows, self._rows = self._rows, []
        try:
            await asyncio.to_thread(_append, self._journal, rows)
        except BaseException:
            self._rows[:0] = rows
            raise
        self.journaled += len(rows)
        log.warning("%d AMI events kept in %s until the database is back", len(rows), self._journal)

    async def _replay(self) -> int:
        """Store the journal's rows, then delete it; raises (journal kept) if the store fails."""
        assert self._journal is not None
        inserted = 0
        chunks = _read_chunks(self._journal, self._max_batch)
        while chunk := await asyncio.to_thread(next, chunks, None):  # the file read off the loop
            inserted += await self._insert(chunk)
        await asyncio.to_thread(self._journal.unlink, missing_ok=True)
        log.info("%d journaled AMI events stored (%d new)", self.journaled, inserted)
        self.journaled = 0
        return inserted

    async def _run(self) -> None:
        delay = self._flush_interval
        while True:
            await wait_event(self._wake, delay)
            self._wake.clear()
            try:
                await self.flush()
                delay = self._flush_interval
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("storing AMI events failed, will retry: %s", self.last_error)
                delay = min(self._retry_max, delay * 2)
                try:
                    await self._spill()
                except OSError as disk:  # memory keeps them; the next failure tries again
                    log.error("AMI event journal %s not writable: %s", self._journal, disk)


def _append(path: Path, rows: list[Row]) -> None:
    """Append rows to the journal and make them durable before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        f.flush()
        os.fsync(f.fileno())


def _read_chunks(path: Path, size: int) -> Iterator[list[Row]]:
    """The journal's rows, `size` at a time (a torn last line, from a crash, is skipped)."""
    chunk: list[Row] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                chunk.append(Row(*json.loads(line)))
            except (ValueError, TypeError):
                log.warning("skipping a torn line in %s", path)
                continue
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _count_lines(path: Path | None) -> int:
    if path is None or not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(1 for _ in f)
