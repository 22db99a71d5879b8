"""Batched, idempotent writer of AMI events into PostgreSQL (never a round trip per event).

A batch is one `INSERT ... SELECT FROM unnest(<one array per column>)`: a single
statement with seven parameters however many rows, so neither SQLAlchemy nor asyncpg
handles rows one by one. The headers are serialized once (canonical JSON): that text
is both the dedup key's input and the stored JSONB.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
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
        engine: AsyncEngine,
        batch_size: int = 500,
        max_batch: int = MAX_BATCH,
        flush_interval_s: float = 0.2,
        retry_max_s: float = 5.0,
    ) -> None:
        self._engine = engine
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
        with contextlib.suppress(Exception):
            await self.flush()

    async def flush(self) -> int:
        """Write the rows queued so far, at most `max_batch` per transaction; how many were new."""
        inserted, left = 0, len(self._rows)
        while left > 0 and self._rows:
            size = min(left, self._max_batch)
            inserted += await self._flush_batch(size)
            left -= size
        return inserted

    async def _flush_batch(self, size: int) -> int:
        batch, self._rows = self._rows[:size], self._rows[size:]
        try:
            async with self._engine.connect() as conn:
                raw: Any = (await conn.get_raw_connection()).driver_connection
                async with raw.transaction():
                    inserted = int(await raw.fetchval(INSERT, *map(list, zip(*batch, strict=True))))
        except BaseException:
            self._rows[:0] = batch
            raise
        self.written += inserted
        self.last_error = None
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
