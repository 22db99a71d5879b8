"""Webhook events kept on disk while PostgreSQL is down, stored when it is back.

The webhook acknowledges an event only once it is durable: committed to the database,
or, when the database cannot be reached, appended and fsynced here (one JSON row a line,
like the AMI event journal). The processor replays the journal before its next round;
rows already stored (a redelivery that came after the outage) are skipped by the unique
event id, and a torn last line from a crash is skipped. If even the disk fails, the
webhook answers 503 and the platform delivers again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.chat import service
from callcenter.db import transaction

log = logging.getLogger(__name__)
Rows = list[tuple[str, bool, dict[str, Any]]]  # (event id, redelivery, the event)


class WebhookJournal:
    """One file per database; `append` and `replay` take turns (one process writes it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    def pending(self) -> bool:
        return self.path.exists()

    async def append(self, channel: str, rows: Rows, received_at: datetime) -> None:
        """Durable on return (raises OSError when the disk fails too)."""
        lines = [
            json.dumps(
                [channel, eid, redelivery, body, received_at.isoformat()], ensure_ascii=False
            )
            for eid, redelivery, body in rows
        ]
        async with self._lock:
            await asyncio.to_thread(_append, self.path, lines)
        log.warning("%d %s webhook events kept in %s until the database is back", len(rows),
                    channel, self.path)  # fmt: skip

    async def replay(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Store the journal's events (each once), then delete it; how many were new."""
        async with self._lock:
            if not self.path.exists():
                return 0
            rows = await asyncio.to_thread(_read, self.path)
            stored = 0
            async with transaction(sessions) as session:
                for channel, eid, redelivery, body, at in rows:
                    stored += await service.store_events(
                        session=session, channel=channel, events=[(eid, redelivery, body)],
                        now=datetime.fromisoformat(at),
                    )  # fmt: skip
            await asyncio.to_thread(self.path.unlink, missing_ok=True)
        log.info("%d journaled webhook events stored (%d new)", len(rows), stored)
        return stored


def _append(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)
        f.flush()
        os.fsync(f.fileno())


def _read(path: Path) -> list[list[Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                log.warning("skipping a torn line in %s", path)
                continue
            if isinstance(row, list) and len(row) == 5:
                rows.append(row)
    return rows
