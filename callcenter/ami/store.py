"""Batched, idempotent writer of AMI events into PostgreSQL (never a round trip per event)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.ami.events import to_row
from callcenter.ami.models import AmiEvent
from callcenter.background import Background

log = logging.getLogger(__name__)


class EventWriter(Background):
    """Collects rows and flushes them in batches; a failed flush keeps its rows and retries."""

    task_name = "ami-event-writer"

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        batch_size: int = 500,
        flush_interval_s: float = 0.2,
        retry_max_s: float = 5.0,
    ) -> None:
        self._engine = engine
        self._batch_size = batch_size
        self._flush_interval = flush_interval_s
        self._retry_max = retry_max_s
        self._rows: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self.written = 0
        self.last_error: str | None = None

    def add(self, headers: dict[str, str]) -> None:
        """Queue one event for storage (no I/O here)."""
        self._rows.append(to_row(headers, received_at=datetime.now(UTC)))
        if len(self._rows) >= self._batch_size:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._rows)

    async def _stopped(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush()

    async def flush(self) -> int:
        """Write every queued row now; returns how many were new."""
        if not self._rows:
            return 0
        batch, self._rows = self._rows, []
        try:
            async with self._engine.begin() as conn:
                stmt = insert(AmiEvent).on_conflict_do_nothing(index_elements=["dedup_key"])
                result = await conn.execute(stmt.returning(AmiEvent.id), batch)
                inserted = len(result.fetchall())
        except BaseException:
            self._rows[:0] = batch
            raise
        self.written += inserted
        self.last_error = None
        return inserted

    async def _run(self) -> None:
        delay = self._flush_interval
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()
            try:
                await self.flush()
                delay = self._flush_interval
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("storing AMI events failed, will retry: %s", self.last_error)
                delay = min(self._retry_max, delay * 2)
