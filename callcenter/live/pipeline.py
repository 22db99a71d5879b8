"""The one consumer's work per AMI event: store raw, translate, reduce, record, notify."""

from __future__ import annotations

from collections.abc import Callable

from callcenter.ami.store import EventWriter
from callcenter.ami.translate import translate
from callcenter.live.records import RecordBook, RecordWriter
from queue_metrics.changes import Change
from queue_metrics.engine import MetricsEngine
from queue_metrics.events import DomainEvent, QueueSnapshot
from queue_metrics.records import CallRecord

OnChanges = Callable[[list[Change]], None]
RECORD_KINDS = frozenset({"call_answered", "call_finished", "call_unresolved"})


class LivePipeline:
    """Synchronous and cheap: called for every event, in order, by the single consumer."""

    def __init__(
        self,
        *,
        metrics: MetricsEngine,
        events: EventWriter,
        records: RecordWriter,
        book: RecordBook,
        on_changes: OnChanges,
    ) -> None:
        self.metrics = metrics
        self._events = events
        self._records = records
        self._book = book
        self._on_changes = on_changes

    def handle(self, item: dict[str, str] | QueueSnapshot) -> None:
        if isinstance(item, QueueSnapshot):
            self._apply(item)
            return
        self._events.add(item)
        for event in translate(item):
            self._apply(event)

    def tick(self, now: float) -> None:
        """Time-driven changes (wrap-ups ending, lost calls expiring)."""
        self._publish(self.metrics.tick(now))

    def _apply(self, event: DomainEvent) -> None:
        self._publish(self.metrics.apply(event))

    def _publish(self, changes: list[Change]) -> None:
        if not changes:
            return
        if any(c.kind in RECORD_KINDS for c in changes):
            self._keep(self.metrics.take_records(changes))
        self._on_changes(changes)

    def _keep(self, records: list[CallRecord]) -> None:
        for record in records:
            self._book.put(record)
        self._records.add(records)
