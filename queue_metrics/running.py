"""kpi-v1.1 kept up to date call by call: `kpi.compute()`'s result without recomputing it.

The wallboard shows today's and the last hour's KPIs, refreshed every second while
calls come in. Recomputing them from every call of the day costs O(calls) each time;
here each changed call only moves its own share of running sums (counts, wait and
talk sums, a multiset of waits for the maximum), per queue and, through its caller's
call (all queue calls with one linkedid), for the centre. `result()` equals
`kpi.compute(records)` of the records put and not removed (tests/unit/test_metrics_running.py).
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable
from typing import Any

from queue_metrics import kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.records import DEFINITION, CallRecord


class RunningKpis:
    """The KPIs of a changing set of call records, each keyed by its caller's queue call."""

    def __init__(self, *, config: MetricsConfig) -> None:
        self._config = config
        self._records: dict[Hashable, CallRecord] = {}
        self._groups: dict[str, dict[Hashable, CallRecord]] = {}  # finished ones, by linkedid
        self._centre_calls: dict[str, kpi.CallerCall] = {}
        self._queues: dict[str, kpi.Tally] = {q: kpi.Tally() for q in config.queues}
        self._centre = kpi.Tally()
        self._by_entry: list[tuple[float, int, Hashable]] = []  # heap, for `remove_before`
        self._pushed = 0

    def __len__(self) -> int:
        return len(self._records)

    def put(self, key: Hashable, record: CallRecord) -> None:
        """Add a call, or replace the earlier version with the same key."""
        self._drop(key)
        self._records[key] = record
        self._pushed += 1
        heapq.heappush(self._by_entry, (record.entered_at, self._pushed, key))
        if record.outcome is not None:
            self._queue(record.queue).add(record, self._config, longest=record.wait_s, sign=1)
            group = _group_id(record)
            self._groups.setdefault(group, {})[key] = record
            self._regroup(group)

    def forget(self, key: Hashable) -> None:
        """Remove a call, if present."""
        self._drop(key)

    def remove_before(self, start: float) -> None:
        """Forget the calls that entered before `start` (a window moving on)."""
        heap = self._by_entry
        while heap and heap[0][0] < start:
            _, _, key = heapq.heappop(heap)
            record = self._records.get(key)
            if record is not None and record.entered_at < start:
                self._drop(key)

    def result(self) -> dict[str, Any]:
        """`kpi.compute()` of the current records: {definition, centre, queues}."""
        return {
            "definition": DEFINITION,
            "centre": self._centre.kpis(self._config),
            "queues": {
                q: t.kpis(self._config)
                for q, t in sorted(self._queues.items())
                if q in self._config.queues or t.counts["offered"]
            },
        }

    def _queue(self, name: str) -> kpi.Tally:
        return self._queues.setdefault(name, kpi.Tally())

    def _drop(self, key: Hashable) -> None:
        old = self._records.pop(key, None)
        if old is None or old.outcome is None:
            return
        self._queue(old.queue).add(old, self._config, longest=old.wait_s, sign=-1)
        group = _group_id(old)
        members = self._groups.get(group, {})
        members.pop(key, None)
        if not members:
            self._groups.pop(group, None)
        self._regroup(group)

    def _regroup(self, group: str) -> None:
        """Swap the caller's call of `group` for one built from its current queue calls."""
        old = self._centre_calls.pop(group, None)
        if old is not None:
            self._centre.add(old.record, self._config, longest=old.longest_wait_s, sign=-1)
        members = self._groups.get(group)
        if members:
            (call,) = kpi.caller_calls(members.values())
            self._centre_calls[group] = call
            self._centre.add(call.record, self._config, longest=call.longest_wait_s, sign=1)


def _group_id(record: CallRecord) -> str:
    return record.linkedid or record.call_id
