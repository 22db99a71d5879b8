"""The wallboard's data: live state from the engine plus today's and the last hour's kpi-v1.

Callers' numbers never reach the board (PDPA): only counts and waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from agent_ui.hub import Hub
from callcenter.background import Background
from callcenter.centre import Centre
from callcenter.live.records import RecordBook
from queue_metrics import intervals, kpi
from queue_metrics.changes import Change
from queue_metrics.config import MetricsConfig
from queue_metrics.engine import Engine
from queue_metrics.records import DEFINITION

TOPIC = "wallboard"
KPI_MAX_AGE_S = 5.0  # the rolling hour moves with the clock even when no call changes
TARGETS = {"sl_pct": 90, "answer_rate_pct": 98, "abandon_rate_pct": 3, "aht_s": 900, "wait_s": 15}


class Board(Background):
    """Builds the snapshot on demand and publishes changed queues at most every interval."""

    task_name = "wallboard-publisher"

    def __init__(
        self,
        *,
        engine: Engine,
        book: RecordBook,
        config: MetricsConfig,
        layout: Centre,
        hub: Hub,
        clock: Callable[[], float] = time.time,
        interval_s: float = 1.0,
    ) -> None:
        self._engine, self._book, self._config = engine, book, config
        self._labels = {q.name: (q.label_th, q.label_en) for q in layout.queues}
        self._hub, self._clock, self._interval = hub, clock, interval_s
        self._dirty = asyncio.Event()
        self.complete: bool | None = None
        self._kpi_cache: tuple[int, float, tuple[dict[str, Any], dict[str, Any]]] | None = None
        self.alerts: list[dict[str, Any]] = []

    def changed(self, changes: list[Change]) -> None:
        """Called by the pipeline for every batch of engine changes (sync, O(1))."""
        if changes:
            self._dirty.set()

    def mark(self) -> None:
        """Something outside the engine changed (completeness, alerts, stored records)."""
        self._dirty.set()

    def snapshot(self, _topic: str = TOPIC) -> dict[str, Any]:
        now = self._clock()
        live = self._engine.snapshot(now)
        today, hour = self._kpis(now)
        queues = {
            name: self._queue(name, view, today["queues"].get(name), hour["queues"].get(name))
            for name, view in live["queues"].items()
        }
        return {
            "definition": DEFINITION,
            "as_of": now,
            "complete": self.complete,
            "targets": TARGETS,
            "centre": self._queue("", live["centre"], today["centre"], hour["centre"]),
            "queues": queues,
            "alerts": self.alerts,
        }

    def _kpis(self, now: float) -> tuple[dict[str, Any], dict[str, Any]]:
        """Today's and the last hour's kpi-v1, recomputed only when calls changed or aged."""
        cached = self._kpi_cache
        if cached and cached[0] == self._book.version and now - cached[1] < KPI_MAX_AGE_S:
            return cached[2]
        tz = intervals.zone(self._config.tz)
        today_start = intervals.today_so_far(now, tz)[0]
        result = (
            kpi.compute(self._book.since(today_start), config=self._config),
            kpi.compute(self._book.since(now - 3600), config=self._config),
        )
        self._kpi_cache = (self._book.version, now, result)
        return result

    def _queue(
        self,
        name: str,
        view: Mapping[str, Any],
        today: Mapping[str, Any] | None,
        hour: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        waiting = view.get("waiting")
        oldest = min((w["entered_at"] for w in waiting), default=None) if waiting else None
        th, en = self._labels.get(name, (name, name))
        return {
            "name": name,
            "label_th": th,
            "label_en": en,
            "waiting": view["calls_waiting"],
            "talking": view["calls_talking"],
            "longest_wait_s": view["longest_wait_s"],
            "oldest_entered_at": oldest,
            "agents": view["agents_by_state"],
            "paused_reasons": view["paused_reasons"],
            "kpi": dict(today or kpi.kpis([], self._config)),
            "kpi_60m": dict(hour or kpi.kpis([], self._config)),
        }

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            # The whole board is small (6 queues): send it as one change, coalesced per interval.
            self._hub.publish(TOPIC, self.snapshot())
            await asyncio.sleep(self._interval)
