"""The sums behind a period's report (docs/kpi-v1.md §12): what a report needs of a period's
calls, small enough to come out of SQL (callcenter/calls/tallies.py) or, as the reference the
tests compare it with, out of the call records themselves (`from_records`).

Every figure of the report is a `Tally` of one group of calls (kpi.Tally.kpis holds the
formulas); a report over a long period adds the tallies of its intervals (`Tally.merge`), so
nothing of it needs the calls one by one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from queue_metrics import intervals
from queue_metrics.config import MetricsConfig
from queue_metrics.intervals import Size
from queue_metrics.kpi import Tally, caller_calls
from queue_metrics.records import CallRecord, Outcome

WAIT_BANDS = (15, 30, 60, 120, 300)  # seconds: upper bounds (inclusive) of the wait bands

Bucket = datetime | None  # an interval's local start (naive, the centre's zone); None: whole


@dataclass(slots=True)
class AgentSums:
    """One agent's answered queue calls of one queue."""

    tally: Tally = field(default_factory=Tally)
    wrapup_s: int = 0  # wrap-up of every answered call (also those still in talk)


@dataclass(slots=True)
class PeriodTallies:
    """A period's calls summed per interval: queue calls per queue, caller calls for the
    centre, answered calls per queue and agent, distinct agents answering per interval (per
    queue, and `None`: any queue), and calls per wait band (per queue, and `None`: the centre's
    caller calls) as [answered, unanswered] pairs."""

    queues: dict[tuple[Bucket, str], Tally] = field(default_factory=dict)
    centre: dict[Bucket, Tally] = field(default_factory=dict)
    agents: dict[tuple[str, str], AgentSums] = field(default_factory=dict)
    answering: dict[tuple[Bucket, str | None], int] = field(default_factory=dict)
    bands: dict[str | None, list[list[int]]] = field(default_factory=dict)
    finished: int = 0  # queue calls whose outcome and talk are known (what queue_log holds)

    def band_rows(self, queue: str | None) -> list[list[int]]:
        return self.bands.setdefault(queue, [[0, 0] for _ in range(len(WAIT_BANDS) + 1)])


def band(wait_s: int) -> int:
    """The index of the wait band `wait_s` falls in (the last: above WAIT_BANDS[-1])."""
    return next((i for i, b in enumerate(WAIT_BANDS) if wait_s <= b), len(WAIT_BANDS))


def local_start(ts: float, size: Size | None, config: MetricsConfig) -> Bucket:
    """The local start of the interval of `size` holding `ts` (None for the whole period)."""
    if size is None:
        return None
    tz = intervals.zone(config.tz)
    start, _ = intervals.bucket(ts, size, tz)
    return datetime.fromtimestamp(start, tz).replace(tzinfo=None)


def label(bucket: datetime, size: Size, config: MetricsConfig) -> str:
    """intervals.label of a local start."""
    tz = intervals.zone(config.tz)
    return intervals.label(bucket.replace(tzinfo=tz).timestamp(), size, tz)


def from_records(
    records: Iterable[CallRecord], *, config: MetricsConfig, size: Size | None
) -> PeriodTallies:
    """The tallies of these records, counted in Python: the reference of the SQL sums."""
    out = PeriodTallies()
    done = [r for r in records if r.outcome is not None]
    seen: dict[tuple[Bucket, str | None], set[str]] = defaultdict(set)
    for r in done:
        b = local_start(r.entered_at, size, config)
        out.queues.setdefault((b, r.queue), Tally()).add(r, config, longest=r.wait_s, sign=1)
        if r.finished:
            out.finished += 1
        if r.wait_s is not None:
            out.band_rows(r.queue)[band(r.wait_s)][r.outcome is not Outcome.answered] += 1
        if r.outcome is Outcome.answered and r.agent:
            sums = out.agents.setdefault((r.queue, r.agent), AgentSums())
            sums.tally.add(r, config, longest=None, sign=1)
            sums.wrapup_s += r.wrapup_s
            seen[b, r.queue].add(r.agent)
            seen[b, None].add(r.agent)
    out.answering = {key: len(names) for key, names in seen.items()}
    for c in caller_calls(done):
        b = local_start(c.record.entered_at, size, config)
        out.centre.setdefault(b, Tally()).add(c.record, config, longest=c.longest_wait_s, sign=1)
        if c.record.wait_s is not None:
            answered = c.record.outcome is Outcome.answered
            out.band_rows(None)[band(c.record.wait_s)][not answered] += 1
    return out
